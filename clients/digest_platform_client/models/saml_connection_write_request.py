from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.saml_connection_write_protocol_enum import SamlConnectionWriteProtocolEnum
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.group_role_request import GroupRoleRequest
  from ..models.saml_connection_write_request_attribute_mapping import SamlConnectionWriteRequestAttributeMapping





T = TypeVar("T", bound="SamlConnectionWriteRequest")



@_attrs_define
class SamlConnectionWriteRequest:
    """ 
        Attributes:
            name (str):
            default_role (str): A role's slug (not owner).
            protocol (SamlConnectionWriteProtocolEnum): * `saml` - saml
            idp_entity_id (str):
            idp_sso_url (str): The IdP's HTTP-Redirect single sign-on URL.
            idp_certificates (list[str]):
            enabled (bool | Unset):
            group_roles (list[GroupRoleRequest] | Unset):
            attribute_mapping (SamlConnectionWriteRequestAttributeMapping | Unset):
     """

    name: str
    default_role: str
    protocol: SamlConnectionWriteProtocolEnum
    idp_entity_id: str
    idp_sso_url: str
    idp_certificates: list[str]
    enabled: bool | Unset = UNSET
    group_roles: list[GroupRoleRequest] | Unset = UNSET
    attribute_mapping: SamlConnectionWriteRequestAttributeMapping | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.group_role_request import GroupRoleRequest # noqa: PLC0415
        from ..models.saml_connection_write_request_attribute_mapping import SamlConnectionWriteRequestAttributeMapping # noqa: PLC0415
        name = self.name

        default_role = self.default_role

        protocol = self.protocol.value

        idp_entity_id = self.idp_entity_id

        idp_sso_url = self.idp_sso_url

        idp_certificates = self.idp_certificates



        enabled = self.enabled

        group_roles: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.group_roles, Unset):
            group_roles = []
            for group_roles_item_data in self.group_roles:
                group_roles_item = group_roles_item_data.to_dict()
                group_roles.append(group_roles_item)



        attribute_mapping: dict[str, Any] | Unset = UNSET
        if not isinstance(self.attribute_mapping, Unset):
            attribute_mapping = self.attribute_mapping.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "name": name,
            "default_role": default_role,
            "protocol": protocol,
            "idp_entity_id": idp_entity_id,
            "idp_sso_url": idp_sso_url,
            "idp_certificates": idp_certificates,
        })
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if group_roles is not UNSET:
            field_dict["group_roles"] = group_roles
        if attribute_mapping is not UNSET:
            field_dict["attribute_mapping"] = attribute_mapping

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.group_role_request import GroupRoleRequest # noqa: PLC0415
        from ..models.saml_connection_write_request_attribute_mapping import SamlConnectionWriteRequestAttributeMapping # noqa: PLC0415
        d = dict(src_dict)
        name = d.pop("name")

        default_role = d.pop("default_role")

        protocol = SamlConnectionWriteProtocolEnum(d.pop("protocol"))




        idp_entity_id = d.pop("idp_entity_id")

        idp_sso_url = d.pop("idp_sso_url")

        idp_certificates = cast(list[str], d.pop("idp_certificates"))


        enabled = d.pop("enabled", UNSET)

        _group_roles = d.pop("group_roles", UNSET)
        group_roles: list[GroupRoleRequest] | Unset = UNSET
        if _group_roles is not UNSET:
            group_roles = []
            for group_roles_item_data in _group_roles:
                group_roles_item = GroupRoleRequest.from_dict(group_roles_item_data)



                group_roles.append(group_roles_item)


        _attribute_mapping = d.pop("attribute_mapping", UNSET)
        attribute_mapping: SamlConnectionWriteRequestAttributeMapping | Unset
        if isinstance(_attribute_mapping,  Unset):
            attribute_mapping = UNSET
        else:
            attribute_mapping = SamlConnectionWriteRequestAttributeMapping.from_dict(_attribute_mapping)




        saml_connection_write_request = cls(
            name=name,
            default_role=default_role,
            protocol=protocol,
            idp_entity_id=idp_entity_id,
            idp_sso_url=idp_sso_url,
            idp_certificates=idp_certificates,
            enabled=enabled,
            group_roles=group_roles,
            attribute_mapping=attribute_mapping,
        )


        saml_connection_write_request.additional_properties = d
        return saml_connection_write_request

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
