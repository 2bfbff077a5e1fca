from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="Access")



@_attrs_define
class Access:
    """ 
        Attributes:
            restricted (bool):
            members (list[str] | Unset):
            roles (list[str] | Unset):
     """

    restricted: bool
    members: list[str] | Unset = UNSET
    roles: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        restricted = self.restricted

        members: list[str] | Unset = UNSET
        if not isinstance(self.members, Unset):
            members = self.members



        roles: list[str] | Unset = UNSET
        if not isinstance(self.roles, Unset):
            roles = self.roles




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "restricted": restricted,
        })
        if members is not UNSET:
            field_dict["members"] = members
        if roles is not UNSET:
            field_dict["roles"] = roles

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        restricted = d.pop("restricted")

        members = cast(list[str], d.pop("members", UNSET))


        roles = cast(list[str], d.pop("roles", UNSET))


        access = cls(
            restricted=restricted,
            members=members,
            roles=roles,
        )


        access.additional_properties = d
        return access

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
