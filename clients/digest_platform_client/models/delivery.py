from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.delivery_status_enum import DeliveryStatusEnum
from ..types import UNSET, Unset
from typing import cast
from uuid import UUID
import datetime






T = TypeVar("T", bound="Delivery")



@_attrs_define
class Delivery:
    """ 
        Attributes:
            id (int):
            delivery_id (UUID):
            event_id (UUID):
            event (str):
            endpoint (int):
            attempts (int):
            last_status_code (int | None):
            created_at (datetime.datetime):
            payload (Any):
            status (DeliveryStatusEnum | Unset): * `pending` - Pending
                * `succeeded` - Succeeded
                * `failed` - Failed
            last_error (str | Unset):
            next_attempt_at (datetime.datetime | None | Unset):
            delivered_at (datetime.datetime | None | Unset):
            redelivery_of (None | Unset | UUID):
     """

    id: int
    delivery_id: UUID
    event_id: UUID
    event: str
    endpoint: int
    attempts: int
    last_status_code: int | None
    created_at: datetime.datetime
    payload: Any
    status: DeliveryStatusEnum | Unset = UNSET
    last_error: str | Unset = UNSET
    next_attempt_at: datetime.datetime | None | Unset = UNSET
    delivered_at: datetime.datetime | None | Unset = UNSET
    redelivery_of: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        delivery_id = str(self.delivery_id)

        event_id = str(self.event_id)

        event = self.event

        endpoint = self.endpoint

        attempts = self.attempts

        last_status_code: int | None
        last_status_code = self.last_status_code

        created_at = self.created_at.isoformat()

        payload = self.payload

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value


        last_error = self.last_error

        next_attempt_at: None | str | Unset
        if isinstance(self.next_attempt_at, Unset):
            next_attempt_at = UNSET
        elif isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        delivered_at: None | str | Unset
        if isinstance(self.delivered_at, Unset):
            delivered_at = UNSET
        elif isinstance(self.delivered_at, datetime.datetime):
            delivered_at = self.delivered_at.isoformat()
        else:
            delivered_at = self.delivered_at

        redelivery_of: None | str | Unset
        if isinstance(self.redelivery_of, Unset):
            redelivery_of = UNSET
        elif isinstance(self.redelivery_of, UUID):
            redelivery_of = str(self.redelivery_of)
        else:
            redelivery_of = self.redelivery_of


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "delivery_id": delivery_id,
            "event_id": event_id,
            "event": event,
            "endpoint": endpoint,
            "attempts": attempts,
            "last_status_code": last_status_code,
            "created_at": created_at,
            "payload": payload,
        })
        if status is not UNSET:
            field_dict["status"] = status
        if last_error is not UNSET:
            field_dict["last_error"] = last_error
        if next_attempt_at is not UNSET:
            field_dict["next_attempt_at"] = next_attempt_at
        if delivered_at is not UNSET:
            field_dict["delivered_at"] = delivered_at
        if redelivery_of is not UNSET:
            field_dict["redelivery_of"] = redelivery_of

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        delivery_id = UUID(d.pop("delivery_id"))




        event_id = UUID(d.pop("event_id"))




        event = d.pop("event")

        endpoint = d.pop("endpoint")

        attempts = d.pop("attempts")

        def _parse_last_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        last_status_code = _parse_last_status_code(d.pop("last_status_code"))


        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        payload = d.pop("payload")

        _status = d.pop("status", UNSET)
        status: DeliveryStatusEnum | Unset
        if isinstance(_status,  Unset):
            status = UNSET
        else:
            status = DeliveryStatusEnum(_status)




        last_error = d.pop("last_error", UNSET)

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)



                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at", UNSET))


        def _parse_delivered_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delivered_at_type_0 = datetime.datetime.fromisoformat(data)



                return delivered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        delivered_at = _parse_delivered_at(d.pop("delivered_at", UNSET))


        def _parse_redelivery_of(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                redelivery_of_type_0 = UUID(data)



                return redelivery_of_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        redelivery_of = _parse_redelivery_of(d.pop("redelivery_of", UNSET))


        delivery = cls(
            id=id,
            delivery_id=delivery_id,
            event_id=event_id,
            event=event,
            endpoint=endpoint,
            attempts=attempts,
            last_status_code=last_status_code,
            created_at=created_at,
            payload=payload,
            status=status,
            last_error=last_error,
            next_attempt_at=next_attempt_at,
            delivered_at=delivered_at,
            redelivery_of=redelivery_of,
        )


        delivery.additional_properties = d
        return delivery

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
