from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="SsoDiscovery")



@_attrs_define
class SsoDiscovery:
    """ 
        Attributes:
            tenant (str):
            tenant_name (str):
            protocol (str):
            login_url (str):
     """

    tenant: str
    tenant_name: str
    protocol: str
    login_url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        tenant = self.tenant

        tenant_name = self.tenant_name

        protocol = self.protocol

        login_url = self.login_url


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "tenant": tenant,
            "tenant_name": tenant_name,
            "protocol": protocol,
            "login_url": login_url,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tenant = d.pop("tenant")

        tenant_name = d.pop("tenant_name")

        protocol = d.pop("protocol")

        login_url = d.pop("login_url")

        sso_discovery = cls(
            tenant=tenant,
            tenant_name=tenant_name,
            protocol=protocol,
            login_url=login_url,
        )


        sso_discovery.additional_properties = d
        return sso_discovery

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
