from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.rights import Rights





T = TypeVar("T", bound="SourceRights")



@_attrs_define
class SourceRights:
    """ 
        Attributes:
            source (int):
            on (datetime.date):
            rights (list[Rights]):
     """

    source: int
    on: datetime.date
    rights: list[Rights]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.rights import Rights # noqa: PLC0415
        source = self.source

        on = self.on.isoformat()

        rights = []
        for rights_item_data in self.rights:
            rights_item = rights_item_data.to_dict()
            rights.append(rights_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "source": source,
            "on": on,
            "rights": rights,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.rights import Rights # noqa: PLC0415
        d = dict(src_dict)
        source = d.pop("source")

        on = datetime.date.fromisoformat(d.pop("on"))




        rights = []
        _rights = d.pop("rights")
        for rights_item_data in (_rights):
            rights_item = Rights.from_dict(rights_item_data)



            rights.append(rights_item)


        source_rights = cls(
            source=source,
            on=on,
            rights=rights,
        )


        source_rights.additional_properties = d
        return source_rights

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
