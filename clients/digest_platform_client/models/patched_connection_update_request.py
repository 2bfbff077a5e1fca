from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.group_role_request import GroupRoleRequest
  from ..models.patched_connection_update_request_attribute_mapping import PatchedConnectionUpdateRequestAttributeMapping
  from ..models.patched_connection_update_request_claim_mapping import PatchedConnectionUpdateRequestClaimMapping





T = TypeVar("T", bound="PatchedConnectionUpdateRequest")



@_attrs_define
class PatchedConnectionUpdateRequest:
    """ What PATCH takes, for the schema: any field of either protocol, all optional. Fields
    of the protocol the connection does not use are refused (400).

        Attributes:
            name (str | Unset):
            enabled (bool | Unset):
            default_role (str | Unset): A role's slug (not owner).
            group_roles (list[GroupRoleRequest] | Unset):
            issuer (str | Unset):
            client_id (str | Unset):
            client_secret (str | Unset):
            scopes (list[str] | Unset):
            claim_mapping (PatchedConnectionUpdateRequestClaimMapping | Unset):
            idp_entity_id (str | Unset):
            idp_sso_url (str | Unset):
            idp_certificates (list[str] | Unset):
            attribute_mapping (PatchedConnectionUpdateRequestAttributeMapping | Unset):
     """

    name: str | Unset = UNSET
    enabled: bool | Unset = UNSET
    default_role: str | Unset = UNSET
    group_roles: list[GroupRoleRequest] | Unset = UNSET
    issuer: str | Unset = UNSET
    client_id: str | Unset = UNSET
    client_secret: str | Unset = UNSET
    scopes: list[str] | Unset = UNSET
    claim_mapping: PatchedConnectionUpdateRequestClaimMapping | Unset = UNSET
    idp_entity_id: str | Unset = UNSET
    idp_sso_url: str | Unset = UNSET
    idp_certificates: list[str] | Unset = UNSET
    attribute_mapping: PatchedConnectionUpdateRequestAttributeMapping | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.group_role_request import GroupRoleRequest # noqa: PLC0415
        from ..models.patched_connection_update_request_attribute_mapping import PatchedConnectionUpdateRequestAttributeMapping # noqa: PLC0415
        from ..models.patched_connection_update_request_claim_mapping import PatchedConnectionUpdateRequestClaimMapping # noqa: PLC0415
        name = self.name

        enabled = self.enabled

        default_role = self.default_role

        group_roles: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.group_roles, Unset):
            group_roles = []
            for group_roles_item_data in self.group_roles:
                group_roles_item = group_roles_item_data.to_dict()
                group_roles.append(group_roles_item)



        issuer = self.issuer

        client_id = self.client_id

        client_secret = self.client_secret

        scopes: list[str] | Unset = UNSET
        if not isinstance(self.scopes, Unset):
            scopes = self.scopes



        claim_mapping: dict[str, Any] | Unset = UNSET
        if not isinstance(self.claim_mapping, Unset):
            claim_mapping = self.claim_mapping.to_dict()

        idp_entity_id = self.idp_entity_id

        idp_sso_url = self.idp_sso_url

        idp_certificates: list[str] | Unset = UNSET
        if not isinstance(self.idp_certificates, Unset):
            idp_certificates = self.idp_certificates



        attribute_mapping: dict[str, Any] | Unset = UNSET
        if not isinstance(self.attribute_mapping, Unset):
            attribute_mapping = self.attribute_mapping.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if name is not UNSET:
            field_dict["name"] = name
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if default_role is not UNSET:
            field_dict["default_role"] = default_role
        if group_roles is not UNSET:
            field_dict["group_roles"] = group_roles
        if issuer is not UNSET:
            field_dict["issuer"] = issuer
        if client_id is not UNSET:
            field_dict["client_id"] = client_id
        if client_secret is not UNSET:
            field_dict["client_secret"] = client_secret
        if scopes is not UNSET:
            field_dict["scopes"] = scopes
        if claim_mapping is not UNSET:
            field_dict["claim_mapping"] = claim_mapping
        if idp_entity_id is not UNSET:
            field_dict["idp_entity_id"] = idp_entity_id
        if idp_sso_url is not UNSET:
            field_dict["idp_sso_url"] = idp_sso_url
        if idp_certificates is not UNSET:
            field_dict["idp_certificates"] = idp_certificates
        if attribute_mapping is not UNSET:
            field_dict["attribute_mapping"] = attribute_mapping

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.group_role_request import GroupRoleRequest # noqa: PLC0415
        from ..models.patched_connection_update_request_attribute_mapping import PatchedConnectionUpdateRequestAttributeMapping # noqa: PLC0415
        from ..models.patched_connection_update_request_claim_mapping import PatchedConnectionUpdateRequestClaimMapping # noqa: PLC0415
        d = dict(src_dict)
        name = d.pop("name", UNSET)

        enabled = d.pop("enabled", UNSET)

        default_role = d.pop("default_role", UNSET)

        _group_roles = d.pop("group_roles", UNSET)
        group_roles: list[GroupRoleRequest] | Unset = UNSET
        if _group_roles is not UNSET:
            group_roles = []
            for group_roles_item_data in _group_roles:
                group_roles_item = GroupRoleRequest.from_dict(group_roles_item_data)



                group_roles.append(group_roles_item)


        issuer = d.pop("issuer", UNSET)

        client_id = d.pop("client_id", UNSET)

        client_secret = d.pop("client_secret", UNSET)

        scopes = cast(list[str], d.pop("scopes", UNSET))


        _claim_mapping = d.pop("claim_mapping", UNSET)
        claim_mapping: PatchedConnectionUpdateRequestClaimMapping | Unset
        if isinstance(_claim_mapping,  Unset):
            claim_mapping = UNSET
        else:
            claim_mapping = PatchedConnectionUpdateRequestClaimMapping.from_dict(_claim_mapping)




        idp_entity_id = d.pop("idp_entity_id", UNSET)

        idp_sso_url = d.pop("idp_sso_url", UNSET)

        idp_certificates = cast(list[str], d.pop("idp_certificates", UNSET))


        _attribute_mapping = d.pop("attribute_mapping", UNSET)
        attribute_mapping: PatchedConnectionUpdateRequestAttributeMapping | Unset
        if isinstance(_attribute_mapping,  Unset):
            attribute_mapping = UNSET
        else:
            attribute_mapping = PatchedConnectionUpdateRequestAttributeMapping.from_dict(_attribute_mapping)




        patched_connection_update_request = cls(
            name=name,
            enabled=enabled,
            default_role=default_role,
            group_roles=group_roles,
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            scopes=scopes,
            claim_mapping=claim_mapping,
            idp_entity_id=idp_entity_id,
            idp_sso_url=idp_sso_url,
            idp_certificates=idp_certificates,
            attribute_mapping=attribute_mapping,
        )


        patched_connection_update_request.additional_properties = d
        return patched_connection_update_request

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
