from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.license_version_status_enum import LicenseVersionStatusEnum
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.review_out import ReviewOut





T = TypeVar("T", bound="LicenseVersion")



@_attrs_define
class LicenseVersion:
    """ 
        Attributes:
            number (int):
            status (LicenseVersionStatusEnum): * `pending` - Pending review
                * `approved` - Approved
                * `approved_with_conditions` - Approved with conditions
                * `rejected` - Rejected
                * `needs_information` - Needs information
            origin (str):
            spdx_id (str):
            permitted_uses (list[str]):
            prohibited_uses (list[str]):
            territory (str):
            valid_from (datetime.date | None):
            valid_until (datetime.date | None):
            attribution (str):
            terms_url (str):
            payment_notes (str):
            conditions (str):
            proposed_by (str):
            created_at (datetime.datetime):
            reviews (list[ReviewOut]):
     """

    number: int
    status: LicenseVersionStatusEnum
    origin: str
    spdx_id: str
    permitted_uses: list[str]
    prohibited_uses: list[str]
    territory: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    attribution: str
    terms_url: str
    payment_notes: str
    conditions: str
    proposed_by: str
    created_at: datetime.datetime
    reviews: list[ReviewOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.review_out import ReviewOut # noqa: PLC0415
        number = self.number

        status = self.status.value

        origin = self.origin

        spdx_id = self.spdx_id

        permitted_uses = self.permitted_uses



        prohibited_uses = self.prohibited_uses



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

        reviews = []
        for reviews_item_data in self.reviews:
            reviews_item = reviews_item_data.to_dict()
            reviews.append(reviews_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "number": number,
            "status": status,
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
            "reviews": reviews,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.review_out import ReviewOut # noqa: PLC0415
        d = dict(src_dict)
        number = d.pop("number")

        status = LicenseVersionStatusEnum(d.pop("status"))




        origin = d.pop("origin")

        spdx_id = d.pop("spdx_id")

        permitted_uses = cast(list[str], d.pop("permitted_uses"))


        prohibited_uses = cast(list[str], d.pop("prohibited_uses"))


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




        reviews = []
        _reviews = d.pop("reviews")
        for reviews_item_data in (_reviews):
            reviews_item = ReviewOut.from_dict(reviews_item_data)



            reviews.append(reviews_item)


        license_version = cls(
            number=number,
            status=status,
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
            reviews=reviews,
        )


        license_version.additional_properties = d
        return license_version

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
