from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="Policy")



@_attrs_define
class Policy:
    """ 
        Attributes:
            id (int):
            slug (str):
            name (str):
            created_at (datetime.datetime):
            updated_at (datetime.datetime):
            description (str | Unset):
            enabled (bool | Unset):
            active_version (int | None | Unset):
            draft_rules (Any | Unset):
            draft_updated_at (datetime.datetime | None | Unset):
     """

    id: int
    slug: str
    name: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    description: str | Unset = UNSET
    enabled: bool | Unset = UNSET
    active_version: int | None | Unset = UNSET
    draft_rules: Any | Unset = UNSET
    draft_updated_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        slug = self.slug

        name = self.name

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        description = self.description

        enabled = self.enabled

        active_version: int | None | Unset
        if isinstance(self.active_version, Unset):
            active_version = UNSET
        else:
            active_version = self.active_version

        draft_rules = self.draft_rules

        draft_updated_at: None | str | Unset
        if isinstance(self.draft_updated_at, Unset):
            draft_updated_at = UNSET
        elif isinstance(self.draft_updated_at, datetime.datetime):
            draft_updated_at = self.draft_updated_at.isoformat()
        else:
            draft_updated_at = self.draft_updated_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "slug": slug,
            "name": name,
            "created_at": created_at,
            "updated_at": updated_at,
        })
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if active_version is not UNSET:
            field_dict["active_version"] = active_version
        if draft_rules is not UNSET:
            field_dict["draft_rules"] = draft_rules
        if draft_updated_at is not UNSET:
            field_dict["draft_updated_at"] = draft_updated_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        slug = d.pop("slug")

        name = d.pop("name")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        description = d.pop("description", UNSET)

        enabled = d.pop("enabled", UNSET)

        def _parse_active_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        active_version = _parse_active_version(d.pop("active_version", UNSET))


        draft_rules = d.pop("draft_rules", UNSET)

        def _parse_draft_updated_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                draft_updated_at_type_0 = datetime.datetime.fromisoformat(data)



                return draft_updated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        draft_updated_at = _parse_draft_updated_at(d.pop("draft_updated_at", UNSET))


        policy = cls(
            id=id,
            slug=slug,
            name=name,
            created_at=created_at,
            updated_at=updated_at,
            description=description,
            enabled=enabled,
            active_version=active_version,
            draft_rules=draft_rules,
            draft_updated_at=draft_updated_at,
        )


        policy.additional_properties = d
        return policy

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
