from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.decision_enum import DecisionEnum
from ..types import UNSET, Unset






T = TypeVar("T", bound="ReviewRequest")



@_attrs_define
class ReviewRequest:
    """ 
        Attributes:
            decision (DecisionEnum): * `approved` - approved
                * `approved_with_conditions` - approved_with_conditions
                * `rejected` - rejected
                * `needs_information` - needs_information
            version (int): The version decided on: it must be the newest
            notes (str | Unset):  Default: ''.
            conditions (str | Unset):  Default: ''.
     """

    decision: DecisionEnum
    version: int
    notes: str | Unset = ''
    conditions: str | Unset = ''
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        decision = self.decision.value

        version = self.version

        notes = self.notes

        conditions = self.conditions


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "decision": decision,
            "version": version,
        })
        if notes is not UNSET:
            field_dict["notes"] = notes
        if conditions is not UNSET:
            field_dict["conditions"] = conditions

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        decision = DecisionEnum(d.pop("decision"))




        version = d.pop("version")

        notes = d.pop("notes", UNSET)

        conditions = d.pop("conditions", UNSET)

        review_request = cls(
            decision=decision,
            version=version,
            notes=notes,
            conditions=conditions,
        )


        review_request.additional_properties = d
        return review_request

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
