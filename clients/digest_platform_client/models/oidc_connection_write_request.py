from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.oidc_connection_write_protocol_enum import OidcConnectionWriteProtocolEnum
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.group_role_request import GroupRoleRequest
  from ..models.oidc_connection_write_request_claim_mapping import OidcConnectionWriteRequestClaimMapping





T = TypeVar("T", bound="OidcConnectionWriteRequest")



@_attrs_define
class OidcConnectionWriteRequest:
    """ 
        Attributes:
            name (str):
            default_role (str): A role's slug (not owner).
            protocol (OidcConnectionWriteProtocolEnum): * `oidc` - oidc
            issuer (str): Exactly as the provider's ID tokens name it.
            client_id (str):
            client_secret (str):
            enabled (bool | Unset):
            group_roles (list[GroupRoleRequest] | Unset):
            scopes (list[str] | Unset): openid is always requested; add e.g. email, profile, groups.
            claim_mapping (OidcConnectionWriteRequestClaimMapping | Unset):
     """

    name: str
    default_role: str
    protocol: OidcConnectionWriteProtocolEnum
    issuer: str
    client_id: str
    client_secret: str
    enabled: bool | Unset = UNSET
    group_roles: list[GroupRoleRequest] | Unset = UNSET
    scopes: list[str] | Unset = UNSET
    claim_mapping: OidcConnectionWriteRequestClaimMapping | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.group_role_request import GroupRoleRequest # noqa: PLC0415
        from ..models.oidc_connection_write_request_claim_mapping import OidcConnectionWriteRequestClaimMapping # noqa: PLC0415
        name = self.name

        default_role = self.default_role

        protocol = self.protocol.value

        issuer = self.issuer

        client_id = self.client_id

        client_secret = self.client_secret

        enabled = self.enabled

        group_roles: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.group_roles, Unset):
            group_roles = []
            for group_roles_item_data in self.group_roles:
                group_roles_item = group_roles_item_data.to_dict()
                group_roles.append(group_roles_item)



        scopes: list[str] | Unset = UNSET
        if not isinstance(self.scopes, Unset):
            scopes = self.scopes



        claim_mapping: dict[str, Any] | Unset = UNSET
        if not isinstance(self.claim_mapping, Unset):
            claim_mapping = self.claim_mapping.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "name": name,
            "default_role": default_role,
            "protocol": protocol,
            "issuer": issuer,
            "client_id": client_id,
            "client_secret": client_secret,
        })
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if group_roles is not UNSET:
            field_dict["group_roles"] = group_roles
        if scopes is not UNSET:
            field_dict["scopes"] = scopes
        if claim_mapping is not UNSET:
            field_dict["claim_mapping"] = claim_mapping

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.group_role_request import GroupRoleRequest # noqa: PLC0415
        from ..models.oidc_connection_write_request_claim_mapping import OidcConnectionWriteRequestClaimMapping # noqa: PLC0415
        d = dict(src_dict)
        name = d.pop("name")

        default_role = d.pop("default_role")

        protocol = OidcConnectionWriteProtocolEnum(d.pop("protocol"))




        issuer = d.pop("issuer")

        client_id = d.pop("client_id")

        client_secret = d.pop("client_secret")

        enabled = d.pop("enabled", UNSET)

        _group_roles = d.pop("group_roles", UNSET)
        group_roles: list[GroupRoleRequest] | Unset = UNSET
        if _group_roles is not UNSET:
            group_roles = []
            for group_roles_item_data in _group_roles:
                group_roles_item = GroupRoleRequest.from_dict(group_roles_item_data)



                group_roles.append(group_roles_item)


        scopes = cast(list[str], d.pop("scopes", UNSET))


        _claim_mapping = d.pop("claim_mapping", UNSET)
        claim_mapping: OidcConnectionWriteRequestClaimMapping | Unset
        if isinstance(_claim_mapping,  Unset):
            claim_mapping = UNSET
        else:
            claim_mapping = OidcConnectionWriteRequestClaimMapping.from_dict(_claim_mapping)




        oidc_connection_write_request = cls(
            name=name,
            default_role=default_role,
            protocol=protocol,
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            enabled=enabled,
            group_roles=group_roles,
            scopes=scopes,
            claim_mapping=claim_mapping,
        )


        oidc_connection_write_request.additional_properties = d
        return oidc_connection_write_request

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
