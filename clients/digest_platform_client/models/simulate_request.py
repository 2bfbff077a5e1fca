from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset






T = TypeVar("T", bound="SimulateRequest")



@_attrs_define
class SimulateRequest:
    """ 
        Attributes:
            as_role (str | Unset):
            as_api_key (str | Unset): An API key's prefix.
     """

    as_role: str | Unset = UNSET
    as_api_key: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        as_role = self.as_role

        as_api_key = self.as_api_key


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if as_role is not UNSET:
            field_dict["as_role"] = as_role
        if as_api_key is not UNSET:
            field_dict["as_api_key"] = as_api_key

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        as_role = d.pop("as_role", UNSET)

        as_api_key = d.pop("as_api_key", UNSET)

        simulate_request = cls(
            as_role=as_role,
            as_api_key=as_api_key,
        )


        simulate_request.additional_properties = d
        return simulate_request

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
