from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.me_role import MeRole
  from ..models.me_tenant import MeTenant





T = TypeVar("T", bound="MeMembership")



@_attrs_define
class MeMembership:
    """ 
        Attributes:
            tenant (MeTenant):
            role (MeRole):
            permissions (list[str]):
     """

    tenant: MeTenant
    role: MeRole
    permissions: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.me_role import MeRole # noqa: PLC0415
        from ..models.me_tenant import MeTenant # noqa: PLC0415
        tenant = self.tenant.to_dict()

        role = self.role.to_dict()

        permissions = self.permissions




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "tenant": tenant,
            "role": role,
            "permissions": permissions,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.me_role import MeRole # noqa: PLC0415
        from ..models.me_tenant import MeTenant # noqa: PLC0415
        d = dict(src_dict)
        tenant = MeTenant.from_dict(d.pop("tenant"))




        role = MeRole.from_dict(d.pop("role"))




        permissions = cast(list[str], d.pop("permissions"))


        me_membership = cls(
            tenant=tenant,
            role=role,
            permissions=permissions,
        )


        me_membership.additional_properties = d
        return me_membership

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
