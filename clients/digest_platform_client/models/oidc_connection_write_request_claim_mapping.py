from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset






T = TypeVar("T", bound="OidcConnectionWriteRequestClaimMapping")



@_attrs_define
class OidcConnectionWriteRequestClaimMapping:
    """ 
        Attributes:
            subject (str | Unset):
            email (str | Unset):
            name (str | Unset):
            groups (str | Unset):
     """

    subject: str | Unset = UNSET
    email: str | Unset = UNSET
    name: str | Unset = UNSET
    groups: str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        subject = self.subject

        email = self.email

        name = self.name

        groups = self.groups


        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if subject is not UNSET:
            field_dict["subject"] = subject
        if email is not UNSET:
            field_dict["email"] = email
        if name is not UNSET:
            field_dict["name"] = name
        if groups is not UNSET:
            field_dict["groups"] = groups

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        subject = d.pop("subject", UNSET)

        email = d.pop("email", UNSET)

        name = d.pop("name", UNSET)

        groups = d.pop("groups", UNSET)

        oidc_connection_write_request_claim_mapping = cls(
            subject=subject,
            email=email,
            name=name,
            groups=groups,
        )

        return oidc_connection_write_request_claim_mapping

