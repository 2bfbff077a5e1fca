from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="SsoSettings")



@_attrs_define
class SsoSettings:
    """ 
        Attributes:
            require_sso (bool): Members must sign in through SSO; passwords are refused to them.
            break_glass (list[str]): Owners who may still sign in with a password while SSO is required.
     """

    require_sso: bool
    break_glass: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        require_sso = self.require_sso

        break_glass = self.break_glass




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "require_sso": require_sso,
            "break_glass": break_glass,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        require_sso = d.pop("require_sso")

        break_glass = cast(list[str], d.pop("break_glass"))


        sso_settings = cls(
            require_sso=require_sso,
            break_glass=break_glass,
        )


        sso_settings.additional_properties = d
        return sso_settings

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
