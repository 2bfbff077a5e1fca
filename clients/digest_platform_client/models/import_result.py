from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.import_outcome_enum import ImportOutcomeEnum
from typing import cast






T = TypeVar("T", bound="ImportResult")



@_attrs_define
class ImportResult:
    """ 
        Attributes:
            file (str):
            status (ImportOutcomeEnum): * `created` - created
                * `updated` - updated
                * `unchanged` - unchanged
                * `failed` - failed
            id (int | None):
            line (int | None): Where a malformed file failed.
            error (None | str):
     """

    file: str
    status: ImportOutcomeEnum
    id: int | None
    line: int | None
    error: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        file = self.file

        status = self.status.value

        id: int | None
        id = self.id

        line: int | None
        line = self.line

        error: None | str
        error = self.error


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "file": file,
            "status": status,
            "id": id,
            "line": line,
            "error": error,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = d.pop("file")

        status = ImportOutcomeEnum(d.pop("status"))




        def _parse_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        id = _parse_id(d.pop("id"))


        def _parse_line(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        line = _parse_line(d.pop("line"))


        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))


        import_result = cls(
            file=file,
            status=status,
            id=id,
            line=line,
            error=error,
        )


        import_result.additional_properties = d
        return import_result

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
