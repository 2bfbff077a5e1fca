from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="Version")



@_attrs_define
class Version:
    """ 
        Attributes:
            number (int):
            published_by (str):
            published_at (datetime.datetime):
            rules (Any | Unset):
            note (str | Unset):
            copied_from (int | None | Unset): The version a rollback copied.
     """

    number: int
    published_by: str
    published_at: datetime.datetime
    rules: Any | Unset = UNSET
    note: str | Unset = UNSET
    copied_from: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        number = self.number

        published_by = self.published_by

        published_at = self.published_at.isoformat()

        rules = self.rules

        note = self.note

        copied_from: int | None | Unset
        if isinstance(self.copied_from, Unset):
            copied_from = UNSET
        else:
            copied_from = self.copied_from


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "number": number,
            "published_by": published_by,
            "published_at": published_at,
        })
        if rules is not UNSET:
            field_dict["rules"] = rules
        if note is not UNSET:
            field_dict["note"] = note
        if copied_from is not UNSET:
            field_dict["copied_from"] = copied_from

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        published_by = d.pop("published_by")

        published_at = datetime.datetime.fromisoformat(d.pop("published_at"))




        rules = d.pop("rules", UNSET)

        note = d.pop("note", UNSET)

        def _parse_copied_from(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        copied_from = _parse_copied_from(d.pop("copied_from", UNSET))


        version = cls(
            number=number,
            published_by=published_by,
            published_at=published_at,
            rules=rules,
            note=note,
            copied_from=copied_from,
        )


        version.additional_properties = d
        return version

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
