from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.import_result import ImportResult





T = TypeVar("T", bound="DigestImportReport")



@_attrs_define
class DigestImportReport:
    """ 
        Attributes:
            created (int):
            updated (int):
            unchanged (int):
            failed (int):
            files (list[ImportResult]):
     """

    created: int
    updated: int
    unchanged: int
    failed: int
    files: list[ImportResult]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.import_result import ImportResult # noqa: PLC0415
        created = self.created

        updated = self.updated

        unchanged = self.unchanged

        failed = self.failed

        files = []
        for files_item_data in self.files:
            files_item = files_item_data.to_dict()
            files.append(files_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "created": created,
            "updated": updated,
            "unchanged": unchanged,
            "failed": failed,
            "files": files,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.import_result import ImportResult # noqa: PLC0415
        d = dict(src_dict)
        created = d.pop("created")

        updated = d.pop("updated")

        unchanged = d.pop("unchanged")

        failed = d.pop("failed")

        files = []
        _files = d.pop("files")
        for files_item_data in (_files):
            files_item = ImportResult.from_dict(files_item_data)



            files.append(files_item)


        digest_import_report = cls(
            created=created,
            updated=updated,
            unchanged=unchanged,
            failed=failed,
            files=files,
        )


        digest_import_report.additional_properties = d
        return digest_import_report

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
