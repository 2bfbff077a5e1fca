from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="PatchedSsoSettingsUpdateRequest")



@_attrs_define
class PatchedSsoSettingsUpdateRequest:
    """ 
        Attributes:
            require_sso (bool | Unset):
            break_glass (list[str] | Unset):
     """

    require_sso: bool | Unset = UNSET
    break_glass: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        require_sso = self.require_sso

        break_glass: list[str] | Unset = UNSET
        if not isinstance(self.break_glass, Unset):
            break_glass = self.break_glass




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if require_sso is not UNSET:
            field_dict["require_sso"] = require_sso
        if break_glass is not UNSET:
            field_dict["break_glass"] = break_glass

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        require_sso = d.pop("require_sso", UNSET)

        break_glass = cast(list[str], d.pop("break_glass", UNSET))


        patched_sso_settings_update_request = cls(
            require_sso=require_sso,
            break_glass=break_glass,
        )


        patched_sso_settings_update_request.additional_properties = d
        return patched_sso_settings_update_request

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
