from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.kind_enum import KindEnum
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="SourceWriteRequest")



@_attrs_define
class SourceWriteRequest:
    """ 
        Attributes:
            kind (KindEnum): * `feed` - Feed
                * `episode` - Episode
                * `video` - Video
                * `article` - Article
            title (str):
            canonical_url (str | Unset):
            publisher (str | Unset):
            rights_holder (int | None | Unset):
            parent (int | None | Unset): The feed an episode belongs to
     """

    kind: KindEnum
    title: str
    canonical_url: str | Unset = UNSET
    publisher: str | Unset = UNSET
    rights_holder: int | None | Unset = UNSET
    parent: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        title = self.title

        canonical_url: str | Unset
        if isinstance(self.canonical_url, Unset):
            canonical_url = UNSET
        else:
            canonical_url = self.canonical_url

        publisher = self.publisher

        rights_holder: int | None | Unset
        if isinstance(self.rights_holder, Unset):
            rights_holder = UNSET
        else:
            rights_holder = self.rights_holder

        parent: int | None | Unset
        if isinstance(self.parent, Unset):
            parent = UNSET
        else:
            parent = self.parent


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "kind": kind,
            "title": title,
        })
        if canonical_url is not UNSET:
            field_dict["canonical_url"] = canonical_url
        if publisher is not UNSET:
            field_dict["publisher"] = publisher
        if rights_holder is not UNSET:
            field_dict["rights_holder"] = rights_holder
        if parent is not UNSET:
            field_dict["parent"] = parent

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kind = KindEnum(d.pop("kind"))




        title = d.pop("title")

        def _parse_canonical_url(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        canonical_url = _parse_canonical_url(d.pop("canonical_url", UNSET))


        publisher = d.pop("publisher", UNSET)

        def _parse_rights_holder(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rights_holder = _parse_rights_holder(d.pop("rights_holder", UNSET))


        def _parse_parent(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        parent = _parse_parent(d.pop("parent", UNSET))


        source_write_request = cls(
            kind=kind,
            title=title,
            canonical_url=canonical_url,
            publisher=publisher,
            rights_holder=rights_holder,
            parent=parent,
        )


        source_write_request.additional_properties = d
        return source_write_request

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
