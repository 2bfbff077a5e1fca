from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.action_enum import ActionEnum






T = TypeVar("T", bound="Finding")



@_attrs_define
class Finding:
    """ 
        Attributes:
            rule (str): <policy>/<rule id>
            action (ActionEnum): * `hide` - hide
                * `hide_field` - hide_field
                * `hide_section` - hide_section
                * `redact` - redact
            enforced (bool): false: a monitor-mode rule, nothing changed
            path (str):
            reason (str):
     """

    rule: str
    action: ActionEnum
    enforced: bool
    path: str
    reason: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        rule = self.rule

        action = self.action.value

        enforced = self.enforced

        path = self.path

        reason = self.reason


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "rule": rule,
            "action": action,
            "enforced": enforced,
            "path": path,
            "reason": reason,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rule = d.pop("rule")

        action = ActionEnum(d.pop("action"))




        enforced = d.pop("enforced")

        path = d.pop("path")

        reason = d.pop("reason")

        finding = cls(
            rule=rule,
            action=action,
            enforced=enforced,
            path=path,
            reason=reason,
        )


        finding.additional_properties = d
        return finding

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
