from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.source_license_status_enum import SourceLicenseStatusEnum
from typing import cast






T = TypeVar("T", bound="DigestSourceOut")



@_attrs_define
class DigestSourceOut:
    """ 
        Attributes:
            id (int):
            kind (str):
            title (str):
            publisher (str):
            url (None | str):
            license_status (SourceLicenseStatusEnum): * `licensed` - licensed
                * `expired` - expired
                * `pending` - pending
                * `rejected` - rejected
                * `unlicensed` - unlicensed
            attribution (str):
     """

    id: int
    kind: str
    title: str
    publisher: str
    url: None | str
    license_status: SourceLicenseStatusEnum
    attribution: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        kind = self.kind

        title = self.title

        publisher = self.publisher

        url: None | str
        url = self.url

        license_status = self.license_status.value

        attribution = self.attribution


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "kind": kind,
            "title": title,
            "publisher": publisher,
            "url": url,
            "license_status": license_status,
            "attribution": attribution,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        kind = d.pop("kind")

        title = d.pop("title")

        publisher = d.pop("publisher")

        def _parse_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        url = _parse_url(d.pop("url"))


        license_status = SourceLicenseStatusEnum(d.pop("license_status"))




        attribution = d.pop("attribution")

        digest_source_out = cls(
            id=id,
            kind=kind,
            title=title,
            publisher=publisher,
            url=url,
            license_status=license_status,
            attribution=attribution,
        )


        digest_source_out.additional_properties = d
        return digest_source_out

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
