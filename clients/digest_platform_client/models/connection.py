from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.connection_protocol_enum import ConnectionProtocolEnum
from ..types import UNSET, Unset
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.connection_attribute_mapping_type_0 import ConnectionAttributeMappingType0
  from ..models.connection_claim_mapping_type_0 import ConnectionClaimMappingType0
  from ..models.group_role import GroupRole





T = TypeVar("T", bound="Connection")



@_attrs_define
class Connection:
    """ 
        Attributes:
            id (int):
            protocol (ConnectionProtocolEnum): * `oidc` - OpenID Connect
                * `saml` - SAML 2.0
            name (str):
            default_role (str):
            client_secret_set (bool):
            claim_mapping (ConnectionClaimMappingType0 | None):
            attribute_mapping (ConnectionAttributeMappingType0 | None):
            group_roles (list[GroupRole]):
            login_url (str):
            callback_url (str): OIDC: the redirect URI to register; SAML: the assertion consumer service.
            sp_entity_id (None | str): SAML: the service provider's entity id, also where its metadata is served.
            created_at (datetime.datetime):
            updated_at (datetime.datetime):
            enabled (bool | Unset):
            issuer (str | Unset):
            client_id (str | Unset):
            scopes (Any | Unset):
            idp_entity_id (str | Unset):
            idp_sso_url (str | Unset):
            idp_certificates (Any | Unset):
     """

    id: int
    protocol: ConnectionProtocolEnum
    name: str
    default_role: str
    client_secret_set: bool
    claim_mapping: ConnectionClaimMappingType0 | None
    attribute_mapping: ConnectionAttributeMappingType0 | None
    group_roles: list[GroupRole]
    login_url: str
    callback_url: str
    sp_entity_id: None | str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    enabled: bool | Unset = UNSET
    issuer: str | Unset = UNSET
    client_id: str | Unset = UNSET
    scopes: Any | Unset = UNSET
    idp_entity_id: str | Unset = UNSET
    idp_sso_url: str | Unset = UNSET
    idp_certificates: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.connection_attribute_mapping_type_0 import ConnectionAttributeMappingType0 # noqa: PLC0415
        from ..models.connection_claim_mapping_type_0 import ConnectionClaimMappingType0 # noqa: PLC0415
        from ..models.group_role import GroupRole # noqa: PLC0415
        id = self.id

        protocol = self.protocol.value

        name = self.name

        default_role = self.default_role

        client_secret_set = self.client_secret_set

        claim_mapping: dict[str, Any] | None
        if isinstance(self.claim_mapping, ConnectionClaimMappingType0):
            claim_mapping = self.claim_mapping.to_dict()
        else:
            claim_mapping = self.claim_mapping

        attribute_mapping: dict[str, Any] | None
        if isinstance(self.attribute_mapping, ConnectionAttributeMappingType0):
            attribute_mapping = self.attribute_mapping.to_dict()
        else:
            attribute_mapping = self.attribute_mapping

        group_roles = []
        for group_roles_item_data in self.group_roles:
            group_roles_item = group_roles_item_data.to_dict()
            group_roles.append(group_roles_item)



        login_url = self.login_url

        callback_url = self.callback_url

        sp_entity_id: None | str
        sp_entity_id = self.sp_entity_id

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        enabled = self.enabled

        issuer: str | Unset
        if isinstance(self.issuer, Unset):
            issuer = UNSET
        else:
            issuer = self.issuer

        client_id = self.client_id

        scopes = self.scopes

        idp_entity_id = self.idp_entity_id

        idp_sso_url: str | Unset
        if isinstance(self.idp_sso_url, Unset):
            idp_sso_url = UNSET
        else:
            idp_sso_url = self.idp_sso_url

        idp_certificates = self.idp_certificates


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "protocol": protocol,
            "name": name,
            "default_role": default_role,
            "client_secret_set": client_secret_set,
            "claim_mapping": claim_mapping,
            "attribute_mapping": attribute_mapping,
            "group_roles": group_roles,
            "login_url": login_url,
            "callback_url": callback_url,
            "sp_entity_id": sp_entity_id,
            "created_at": created_at,
            "updated_at": updated_at,
        })
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if issuer is not UNSET:
            field_dict["issuer"] = issuer
        if client_id is not UNSET:
            field_dict["client_id"] = client_id
        if scopes is not UNSET:
            field_dict["scopes"] = scopes
        if idp_entity_id is not UNSET:
            field_dict["idp_entity_id"] = idp_entity_id
        if idp_sso_url is not UNSET:
            field_dict["idp_sso_url"] = idp_sso_url
        if idp_certificates is not UNSET:
            field_dict["idp_certificates"] = idp_certificates

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.connection_attribute_mapping_type_0 import ConnectionAttributeMappingType0 # noqa: PLC0415
        from ..models.connection_claim_mapping_type_0 import ConnectionClaimMappingType0 # noqa: PLC0415
        from ..models.group_role import GroupRole # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        protocol = ConnectionProtocolEnum(d.pop("protocol"))




        name = d.pop("name")

        default_role = d.pop("default_role")

        client_secret_set = d.pop("client_secret_set")

        def _parse_claim_mapping(data: object) -> ConnectionClaimMappingType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                claim_mapping_type_0 = ConnectionClaimMappingType0.from_dict(data)



                return claim_mapping_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConnectionClaimMappingType0 | None, data)

        claim_mapping = _parse_claim_mapping(d.pop("claim_mapping"))


        def _parse_attribute_mapping(data: object) -> ConnectionAttributeMappingType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                attribute_mapping_type_0 = ConnectionAttributeMappingType0.from_dict(data)



                return attribute_mapping_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConnectionAttributeMappingType0 | None, data)

        attribute_mapping = _parse_attribute_mapping(d.pop("attribute_mapping"))


        group_roles = []
        _group_roles = d.pop("group_roles")
        for group_roles_item_data in (_group_roles):
            group_roles_item = GroupRole.from_dict(group_roles_item_data)



            group_roles.append(group_roles_item)


        login_url = d.pop("login_url")

        callback_url = d.pop("callback_url")

        def _parse_sp_entity_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sp_entity_id = _parse_sp_entity_id(d.pop("sp_entity_id"))


        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        enabled = d.pop("enabled", UNSET)

        def _parse_issuer(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        issuer = _parse_issuer(d.pop("issuer", UNSET))


        client_id = d.pop("client_id", UNSET)

        scopes = d.pop("scopes", UNSET)

        idp_entity_id = d.pop("idp_entity_id", UNSET)

        def _parse_idp_sso_url(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        idp_sso_url = _parse_idp_sso_url(d.pop("idp_sso_url", UNSET))


        idp_certificates = d.pop("idp_certificates", UNSET)

        connection = cls(
            id=id,
            protocol=protocol,
            name=name,
            default_role=default_role,
            client_secret_set=client_secret_set,
            claim_mapping=claim_mapping,
            attribute_mapping=attribute_mapping,
            group_roles=group_roles,
            login_url=login_url,
            callback_url=callback_url,
            sp_entity_id=sp_entity_id,
            created_at=created_at,
            updated_at=updated_at,
            enabled=enabled,
            issuer=issuer,
            client_id=client_id,
            scopes=scopes,
            idp_entity_id=idp_entity_id,
            idp_sso_url=idp_sso_url,
            idp_certificates=idp_certificates,
        )


        connection.additional_properties = d
        return connection

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
