from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="Subsection")



@_attrs_define
class Subsection:
    """ 
        Attributes:
            number (str):
            title (str):
            bullets (list[str] | Unset):
     """

    number: str
    title: str
    bullets: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        number = self.number

        title = self.title

        bullets: list[str] | Unset = UNSET
        if not isinstance(self.bullets, Unset):
            bullets = self.bullets




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "number": number,
            "title": title,
        })
        if bullets is not UNSET:
            field_dict["bullets"] = bullets

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        title = d.pop("title")

        bullets = cast(list[str], d.pop("bullets", UNSET))


        subsection = cls(
            number=number,
            title=title,
            bullets=bullets,
        )


        subsection.additional_properties = d
        return subsection

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
