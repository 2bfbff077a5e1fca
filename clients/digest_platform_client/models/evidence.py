from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="Evidence")



@_attrs_define
class Evidence:
    """ 
        Attributes:
            id (int):
            license_ (int):
            version (int):
            filename (str):
            content_type (str):
            size (int):
            sha256 (str):
            description (str):
            uploaded_by (str):
            uploaded_at (datetime.datetime):
     """

    id: int
    license_: int
    version: int
    filename: str
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_by: str
    uploaded_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        license_ = self.license_

        version = self.version

        filename = self.filename

        content_type = self.content_type

        size = self.size

        sha256 = self.sha256

        description = self.description

        uploaded_by = self.uploaded_by

        uploaded_at = self.uploaded_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "license": license_,
            "version": version,
            "filename": filename,
            "content_type": content_type,
            "size": size,
            "sha256": sha256,
            "description": description,
            "uploaded_by": uploaded_by,
            "uploaded_at": uploaded_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        license_ = d.pop("license")

        version = d.pop("version")

        filename = d.pop("filename")

        content_type = d.pop("content_type")

        size = d.pop("size")

        sha256 = d.pop("sha256")

        description = d.pop("description")

        uploaded_by = d.pop("uploaded_by")

        uploaded_at = datetime.datetime.fromisoformat(d.pop("uploaded_at"))




        evidence = cls(
            id=id,
            license_=license_,
            version=version,
            filename=filename,
            content_type=content_type,
            size=size,
            sha256=sha256,
            description=description,
            uploaded_by=uploaded_by,
            uploaded_at=uploaded_at,
        )


        evidence.additional_properties = d
        return evidence

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
