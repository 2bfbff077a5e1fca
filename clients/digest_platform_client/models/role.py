from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="Role")



@_attrs_define
class Role:
    """ 
        Attributes:
            id (int):
            slug (str):
            name (str):
            permissions (list[str]):
            member_count (int):
            created_at (datetime.datetime):
            updated_at (datetime.datetime):
            description (str | Unset):
            preset (bool | Unset):
     """

    id: int
    slug: str
    name: str
    permissions: list[str]
    member_count: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    description: str | Unset = UNSET
    preset: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        slug = self.slug

        name = self.name

        permissions = self.permissions



        member_count = self.member_count

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        description = self.description

        preset = self.preset


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "slug": slug,
            "name": name,
            "permissions": permissions,
            "member_count": member_count,
            "created_at": created_at,
            "updated_at": updated_at,
        })
        if description is not UNSET:
            field_dict["description"] = description
        if preset is not UNSET:
            field_dict["preset"] = preset

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        slug = d.pop("slug")

        name = d.pop("name")

        permissions = cast(list[str], d.pop("permissions"))


        member_count = d.pop("member_count")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        description = d.pop("description", UNSET)

        preset = d.pop("preset", UNSET)

        role = cls(
            id=id,
            slug=slug,
            name=name,
            permissions=permissions,
            member_count=member_count,
            created_at=created_at,
            updated_at=updated_at,
            description=description,
            preset=preset,
        )


        role.additional_properties = d
        return role

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
