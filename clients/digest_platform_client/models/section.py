from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.subsection import Subsection





T = TypeVar("T", bound="Section")



@_attrs_define
class Section:
    """ 
        Attributes:
            number (int):
            title (str):
            emoji (str | Unset):  Default: ''.
            bullets (list[str] | Unset):
            subsections (list[Subsection] | Unset):
     """

    number: int
    title: str
    emoji: str | Unset = ''
    bullets: list[str] | Unset = UNSET
    subsections: list[Subsection] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.subsection import Subsection # noqa: PLC0415
        number = self.number

        title = self.title

        emoji = self.emoji

        bullets: list[str] | Unset = UNSET
        if not isinstance(self.bullets, Unset):
            bullets = self.bullets



        subsections: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.subsections, Unset):
            subsections = []
            for subsections_item_data in self.subsections:
                subsections_item = subsections_item_data.to_dict()
                subsections.append(subsections_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "number": number,
            "title": title,
        })
        if emoji is not UNSET:
            field_dict["emoji"] = emoji
        if bullets is not UNSET:
            field_dict["bullets"] = bullets
        if subsections is not UNSET:
            field_dict["subsections"] = subsections

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.subsection import Subsection # noqa: PLC0415
        d = dict(src_dict)
        number = d.pop("number")

        title = d.pop("title")

        emoji = d.pop("emoji", UNSET)

        bullets = cast(list[str], d.pop("bullets", UNSET))


        _subsections = d.pop("subsections", UNSET)
        subsections: list[Subsection] | Unset = UNSET
        if _subsections is not UNSET:
            subsections = []
            for subsections_item_data in _subsections:
                subsections_item = Subsection.from_dict(subsections_item_data)



                subsections.append(subsections_item)


        section = cls(
            number=number,
            title=title,
            emoji=emoji,
            bullets=bullets,
            subsections=subsections,
        )


        section.additional_properties = d
        return section

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
