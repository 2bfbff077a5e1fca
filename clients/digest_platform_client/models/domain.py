from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="Domain")



@_attrs_define
class Domain:
    """ 
        Attributes:
            id (int):
            domain (str):
            status (str):
            txt_name (str):
            txt_value (str):
            created_at (datetime.datetime):
            verified_at (datetime.datetime | None | Unset):
     """

    id: int
    domain: str
    status: str
    txt_name: str
    txt_value: str
    created_at: datetime.datetime
    verified_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        domain = self.domain

        status = self.status

        txt_name = self.txt_name

        txt_value = self.txt_value

        created_at = self.created_at.isoformat()

        verified_at: None | str | Unset
        if isinstance(self.verified_at, Unset):
            verified_at = UNSET
        elif isinstance(self.verified_at, datetime.datetime):
            verified_at = self.verified_at.isoformat()
        else:
            verified_at = self.verified_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "domain": domain,
            "status": status,
            "txt_name": txt_name,
            "txt_value": txt_value,
            "created_at": created_at,
        })
        if verified_at is not UNSET:
            field_dict["verified_at"] = verified_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        domain = d.pop("domain")

        status = d.pop("status")

        txt_name = d.pop("txt_name")

        txt_value = d.pop("txt_value")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        def _parse_verified_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verified_at_type_0 = datetime.datetime.fromisoformat(data)



                return verified_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        verified_at = _parse_verified_at(d.pop("verified_at", UNSET))


        domain = cls(
            id=id,
            domain=domain,
            status=status,
            txt_name=txt_name,
            txt_value=txt_value,
            created_at=created_at,
            verified_at=verified_at,
        )


        domain.additional_properties = d
        return domain

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
