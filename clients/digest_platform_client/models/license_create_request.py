from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.license_use_enum import LicenseUseEnum
from ..models.origin_enum import OriginEnum
from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="LicenseCreateRequest")



@_attrs_define
class LicenseCreateRequest:
    """ 
        Attributes:
            origin (OriginEnum): * `contract` - Contract
                * `open_license` - Open license
                * `published_terms` - Publisher's published terms
                * `manual` - Manual entry
            spdx_id (str): An SPDX identifier this platform knows, or LicenseRef-<name>
            permitted_uses (list[LicenseUseEnum]):
            prohibited_uses (list[LicenseUseEnum] | Unset):
            territory (str | Unset):
            valid_from (datetime.date | None | Unset):
            valid_until (datetime.date | None | Unset):
            attribution (str | Unset):
            terms_url (str | Unset):
            payment_notes (str | Unset):
            source (int | None | Unset): The source covered (or rights_holder)
            rights_holder (int | None | Unset): The rights holder whose every source is covered (or source)
     """

    origin: OriginEnum
    spdx_id: str
    permitted_uses: list[LicenseUseEnum]
    prohibited_uses: list[LicenseUseEnum] | Unset = UNSET
    territory: str | Unset = UNSET
    valid_from: datetime.date | None | Unset = UNSET
    valid_until: datetime.date | None | Unset = UNSET
    attribution: str | Unset = UNSET
    terms_url: str | Unset = UNSET
    payment_notes: str | Unset = UNSET
    source: int | None | Unset = UNSET
    rights_holder: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        origin = self.origin.value

        spdx_id = self.spdx_id

        permitted_uses = []
        for permitted_uses_item_data in self.permitted_uses:
            permitted_uses_item = permitted_uses_item_data.value
            permitted_uses.append(permitted_uses_item)



        prohibited_uses: list[str] | Unset = UNSET
        if not isinstance(self.prohibited_uses, Unset):
            prohibited_uses = []
            for prohibited_uses_item_data in self.prohibited_uses:
                prohibited_uses_item = prohibited_uses_item_data.value
                prohibited_uses.append(prohibited_uses_item)



        territory = self.territory

        valid_from: None | str | Unset
        if isinstance(self.valid_from, Unset):
            valid_from = UNSET
        elif isinstance(self.valid_from, datetime.date):
            valid_from = self.valid_from.isoformat()
        else:
            valid_from = self.valid_from

        valid_until: None | str | Unset
        if isinstance(self.valid_until, Unset):
            valid_until = UNSET
        elif isinstance(self.valid_until, datetime.date):
            valid_until = self.valid_until.isoformat()
        else:
            valid_until = self.valid_until

        attribution = self.attribution

        terms_url: str | Unset
        if isinstance(self.terms_url, Unset):
            terms_url = UNSET
        else:
            terms_url = self.terms_url

        payment_notes = self.payment_notes

        source: int | None | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        rights_holder: int | None | Unset
        if isinstance(self.rights_holder, Unset):
            rights_holder = UNSET
        else:
            rights_holder = self.rights_holder


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "origin": origin,
            "spdx_id": spdx_id,
            "permitted_uses": permitted_uses,
        })
        if prohibited_uses is not UNSET:
            field_dict["prohibited_uses"] = prohibited_uses
        if territory is not UNSET:
            field_dict["territory"] = territory
        if valid_from is not UNSET:
            field_dict["valid_from"] = valid_from
        if valid_until is not UNSET:
            field_dict["valid_until"] = valid_until
        if attribution is not UNSET:
            field_dict["attribution"] = attribution
        if terms_url is not UNSET:
            field_dict["terms_url"] = terms_url
        if payment_notes is not UNSET:
            field_dict["payment_notes"] = payment_notes
        if source is not UNSET:
            field_dict["source"] = source
        if rights_holder is not UNSET:
            field_dict["rights_holder"] = rights_holder

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        origin = OriginEnum(d.pop("origin"))




        spdx_id = d.pop("spdx_id")

        permitted_uses = []
        _permitted_uses = d.pop("permitted_uses")
        for permitted_uses_item_data in (_permitted_uses):
            permitted_uses_item = LicenseUseEnum(permitted_uses_item_data)



            permitted_uses.append(permitted_uses_item)


        _prohibited_uses = d.pop("prohibited_uses", UNSET)
        prohibited_uses: list[LicenseUseEnum] | Unset = UNSET
        if _prohibited_uses is not UNSET:
            prohibited_uses = []
            for prohibited_uses_item_data in _prohibited_uses:
                prohibited_uses_item = LicenseUseEnum(prohibited_uses_item_data)



                prohibited_uses.append(prohibited_uses_item)


        territory = d.pop("territory", UNSET)

        def _parse_valid_from(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                valid_from_type_0 = datetime.date.fromisoformat(data)



                return valid_from_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        valid_from = _parse_valid_from(d.pop("valid_from", UNSET))


        def _parse_valid_until(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                valid_until_type_0 = datetime.date.fromisoformat(data)



                return valid_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        valid_until = _parse_valid_until(d.pop("valid_until", UNSET))


        attribution = d.pop("attribution", UNSET)

        def _parse_terms_url(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        terms_url = _parse_terms_url(d.pop("terms_url", UNSET))


        payment_notes = d.pop("payment_notes", UNSET)

        def _parse_source(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        source = _parse_source(d.pop("source", UNSET))


        def _parse_rights_holder(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rights_holder = _parse_rights_holder(d.pop("rights_holder", UNSET))


        license_create_request = cls(
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
            source=source,
            rights_holder=rights_holder,
        )


        license_create_request.additional_properties = d
        return license_create_request

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
