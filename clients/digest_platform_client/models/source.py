from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.kind_enum import KindEnum
from ..models.source_license_status_enum import SourceLicenseStatusEnum
from typing import cast
import datetime






T = TypeVar("T", bound="Source")



@_attrs_define
class Source:
    """ A source with its license status and the attribution its licenses ask for.

        Attributes:
            id (int):
            kind (KindEnum): * `feed` - Feed
                * `episode` - Episode
                * `video` - Video
                * `article` - Article
            title (None | str): null when withheld: it stands only in digests hidden from you
            canonical_url (None | str): null when withheld: it stands only in digests hidden from you
            publisher (None | str): null when withheld: it stands only in digests hidden from you
            rights_holder (int | None):
            rights_holder_name (None | str): null when withheld: it stands only in digests hidden from you
            parent (int | None):
            license_status (SourceLicenseStatusEnum): * `licensed` - licensed
                * `expired` - expired
                * `pending` - pending
                * `rejected` - rejected
                * `unlicensed` - unlicensed
            attribution (str):
            created_at (datetime.datetime):
            updated_at (datetime.datetime):
     """

    id: int
    kind: KindEnum
    title: None | str
    canonical_url: None | str
    publisher: None | str
    rights_holder: int | None
    rights_holder_name: None | str
    parent: int | None
    license_status: SourceLicenseStatusEnum
    attribution: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        kind = self.kind.value

        title: None | str
        title = self.title

        canonical_url: None | str
        canonical_url = self.canonical_url

        publisher: None | str
        publisher = self.publisher

        rights_holder: int | None
        rights_holder = self.rights_holder

        rights_holder_name: None | str
        rights_holder_name = self.rights_holder_name

        parent: int | None
        parent = self.parent

        license_status = self.license_status.value

        attribution = self.attribution

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "kind": kind,
            "title": title,
            "canonical_url": canonical_url,
            "publisher": publisher,
            "rights_holder": rights_holder,
            "rights_holder_name": rights_holder_name,
            "parent": parent,
            "license_status": license_status,
            "attribution": attribution,
            "created_at": created_at,
            "updated_at": updated_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        kind = KindEnum(d.pop("kind"))




        def _parse_title(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        title = _parse_title(d.pop("title"))


        def _parse_canonical_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        canonical_url = _parse_canonical_url(d.pop("canonical_url"))


        def _parse_publisher(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        publisher = _parse_publisher(d.pop("publisher"))


        def _parse_rights_holder(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rights_holder = _parse_rights_holder(d.pop("rights_holder"))


        def _parse_rights_holder_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        rights_holder_name = _parse_rights_holder_name(d.pop("rights_holder_name"))


        def _parse_parent(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        parent = _parse_parent(d.pop("parent"))


        license_status = SourceLicenseStatusEnum(d.pop("license_status"))




        attribution = d.pop("attribution")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        source = cls(
            id=id,
            kind=kind,
            title=title,
            canonical_url=canonical_url,
            publisher=publisher,
            rights_holder=rights_holder,
            rights_holder_name=rights_holder_name,
            parent=parent,
            license_status=license_status,
            attribution=attribution,
            created_at=created_at,
            updated_at=updated_at,
        )


        source.additional_properties = d
        return source

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
