from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.report_summary import ReportSummary





T = TypeVar("T", bound="Report")



@_attrs_define
class Report:
    """ 
        Attributes:
            report (str):
            generated_on (datetime.date):
            summary (ReportSummary):
            columns (list[str]):
            rows (list[list[Any]]):
     """

    report: str
    generated_on: datetime.date
    summary: ReportSummary
    columns: list[str]
    rows: list[list[Any]]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.report_summary import ReportSummary # noqa: PLC0415
        report = self.report

        generated_on = self.generated_on.isoformat()

        summary = self.summary.to_dict()

        columns = self.columns



        rows = []
        for rows_item_data in self.rows:
            rows_item = rows_item_data


            rows.append(rows_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "report": report,
            "generated_on": generated_on,
            "summary": summary,
            "columns": columns,
            "rows": rows,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.report_summary import ReportSummary # noqa: PLC0415
        d = dict(src_dict)
        report = d.pop("report")

        generated_on = datetime.date.fromisoformat(d.pop("generated_on"))




        summary = ReportSummary.from_dict(d.pop("summary"))




        columns = cast(list[str], d.pop("columns"))


        rows = []
        _rows = d.pop("rows")
        for rows_item_data in (_rows):
            rows_item = cast(list[Any], rows_item_data)

            rows.append(rows_item)


        report = cls(
            report=report,
            generated_on=generated_on,
            summary=summary,
            columns=columns,
            rows=rows,
        )


        report.additional_properties = d
        return report

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
