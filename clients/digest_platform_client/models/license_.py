from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.license_status_enum import LicenseStatusEnum
from ..models.license_use_enum import LicenseUseEnum
from ..models.origin_enum import OriginEnum
from typing import cast
import datetime






T = TypeVar("T", bound="License")



@_attrs_define
class License:
    """ A license: its newest version's terms, its review status and what is in force.

        Attributes:
            id (int):
            source (int | None):
            source_title (None | str): The covered source's title; null for a rights holder's license, or when the title
                comes from digests you may not read
            rights_holder (int | None):
            rights_holder_name (None | str): The covering rights holder's name; null for a source's license, or when the
                name comes from digests you may not read
            status (LicenseStatusEnum): * `pending` - pending
                * `approved` - approved
                * `approved_with_conditions` - approved_with_conditions
                * `rejected` - rejected
                * `needs_information` - needs_information
                * `expired` - expired
            version (int): The newest version, shown here
            in_force_version (int | None): The approved version that applies now, if any
            origin (OriginEnum): * `contract` - Contract
                * `open_license` - Open license
                * `published_terms` - Publisher's published terms
                * `manual` - Manual entry
            spdx_id (str):
            permitted_uses (list[LicenseUseEnum]):
            prohibited_uses (list[LicenseUseEnum]):
            territory (str):
            valid_from (datetime.date | None):
            valid_until (datetime.date | None):
            attribution (str):
            terms_url (str):
            payment_notes (str):
            conditions (str):
            proposed_by (str):
            created_at (datetime.datetime):
            updated_at (datetime.datetime):
     """

    id: int
    source: int | None
    source_title: None | str
    rights_holder: int | None
    rights_holder_name: None | str
    status: LicenseStatusEnum
    version: int
    in_force_version: int | None
    origin: OriginEnum
    spdx_id: str
    permitted_uses: list[LicenseUseEnum]
    prohibited_uses: list[LicenseUseEnum]
    territory: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    attribution: str
    terms_url: str
    payment_notes: str
    conditions: str
    proposed_by: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        source: int | None
        source = self.source

        source_title: None | str
        source_title = self.source_title

        rights_holder: int | None
        rights_holder = self.rights_holder

        rights_holder_name: None | str
        rights_holder_name = self.rights_holder_name

        status = self.status.value

        version = self.version

        in_force_version: int | None
        in_force_version = self.in_force_version

        origin = self.origin.value

        spdx_id = self.spdx_id

        permitted_uses = []
        for permitted_uses_item_data in self.permitted_uses:
            permitted_uses_item = permitted_uses_item_data.value
            permitted_uses.append(permitted_uses_item)



        prohibited_uses = []
        for prohibited_uses_item_data in self.prohibited_uses:
            prohibited_uses_item = prohibited_uses_item_data.value
            prohibited_uses.append(prohibited_uses_item)



        territory = self.territory

        valid_from: None | str
        if isinstance(self.valid_from, datetime.date):
            valid_from = self.valid_from.isoformat()
        else:
            valid_from = self.valid_from

        valid_until: None | str
        if isinstance(self.valid_until, datetime.date):
            valid_until = self.valid_until.isoformat()
        else:
            valid_until = self.valid_until

        attribution = self.attribution

        terms_url = self.terms_url

        payment_notes = self.payment_notes

        conditions = self.conditions

        proposed_by = self.proposed_by

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "source": source,
            "source_title": source_title,
            "rights_holder": rights_holder,
            "rights_holder_name": rights_holder_name,
            "status": status,
            "version": version,
            "in_force_version": in_force_version,
            "origin": origin,
            "spdx_id": spdx_id,
            "permitted_uses": permitted_uses,
            "prohibited_uses": prohibited_uses,
            "territory": territory,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "attribution": attribution,
            "terms_url": terms_url,
            "payment_notes": payment_notes,
            "conditions": conditions,
            "proposed_by": proposed_by,
            "created_at": created_at,
            "updated_at": updated_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        def _parse_source(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        source = _parse_source(d.pop("source"))


        def _parse_source_title(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        source_title = _parse_source_title(d.pop("source_title"))


        def _parse_rights_holder(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rights_holder = _parse_rights_holder(d.pop("rights_holder"))


        def _parse_rights_holder_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        rights_holder_name = _parse_rights_holder_name(d.pop("rights_holder_name"))


        status = LicenseStatusEnum(d.pop("status"))




        version = d.pop("version")

        def _parse_in_force_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        in_force_version = _parse_in_force_version(d.pop("in_force_version"))


        origin = OriginEnum(d.pop("origin"))




        spdx_id = d.pop("spdx_id")

        permitted_uses = []
        _permitted_uses = d.pop("permitted_uses")
        for permitted_uses_item_data in (_permitted_uses):
            permitted_uses_item = LicenseUseEnum(permitted_uses_item_data)



            permitted_uses.append(permitted_uses_item)


        prohibited_uses = []
        _prohibited_uses = d.pop("prohibited_uses")
        for prohibited_uses_item_data in (_prohibited_uses):
            prohibited_uses_item = LicenseUseEnum(prohibited_uses_item_data)



            prohibited_uses.append(prohibited_uses_item)


        territory = d.pop("territory")

        def _parse_valid_from(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                valid_from_type_0 = datetime.date.fromisoformat(data)



                return valid_from_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        valid_from = _parse_valid_from(d.pop("valid_from"))


        def _parse_valid_until(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                valid_until_type_0 = datetime.date.fromisoformat(data)



                return valid_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        valid_until = _parse_valid_until(d.pop("valid_until"))


        attribution = d.pop("attribution")

        terms_url = d.pop("terms_url")

        payment_notes = d.pop("payment_notes")

        conditions = d.pop("conditions")

        proposed_by = d.pop("proposed_by")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        license_ = cls(
            id=id,
            source=source,
            source_title=source_title,
            rights_holder=rights_holder,
            rights_holder_name=rights_holder_name,
            status=status,
            version=version,
            in_force_version=in_force_version,
            origin=origin,
            spdx_id=spdx_id,
            permitted_uses=permitted_uses,
            prohibited_uses=prohibited_uses,
            territory=territory,
            valid_from=valid_from,
            valid_until=valid_until,
            attribution=attribution,
            terms_url=terms_url,
            payment_notes=payment_notes,
            conditions=conditions,
            proposed_by=proposed_by,
            created_at=created_at,
            updated_at=updated_at,
        )


        license_.additional_properties = d
        return license_

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
