from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.permissions_enum import PermissionsEnum
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="RoleWriteRequest")



@_attrs_define
class RoleWriteRequest:
    """ 
        Attributes:
            name (str):
            permissions (list[PermissionsEnum]):
            slug (str | Unset):
            description (str | Unset):
     """

    name: str
    permissions: list[PermissionsEnum]
    slug: str | Unset = UNSET
    description: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        name = self.name

        permissions = []
        for permissions_item_data in self.permissions:
            permissions_item = permissions_item_data.value
            permissions.append(permissions_item)



        slug = self.slug

        description = self.description


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "name": name,
            "permissions": permissions,
        })
        if slug is not UNSET:
            field_dict["slug"] = slug
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        permissions = []
        _permissions = d.pop("permissions")
        for permissions_item_data in (_permissions):
            permissions_item = PermissionsEnum(permissions_item_data)



            permissions.append(permissions_item)


        slug = d.pop("slug", UNSET)

        description = d.pop("description", UNSET)

        role_write_request = cls(
            name=name,
            permissions=permissions,
            slug=slug,
            description=description,
        )


        role_write_request.additional_properties = d
        return role_write_request

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
