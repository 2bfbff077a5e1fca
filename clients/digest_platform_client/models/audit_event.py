from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.outcome_enum import OutcomeEnum
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.actor_field import ActorField
  from ..models.audit_event_changes import AuditEventChanges
  from ..models.request_field import RequestField
  from ..models.target_field import TargetField





T = TypeVar("T", bound="AuditEvent")



@_attrs_define
class AuditEvent:
    """ 
        Attributes:
            seq (int):
            occurred_at (datetime.datetime):
            actor (ActorField):
            action (str):
            target (TargetField):
            changes (AuditEventChanges): {field: [before, after]}
            outcome (OutcomeEnum): * `success` - Success
                * `denied` - Denied
                * `failure` - Failure
            repeat_count (int):
            request (RequestField):
            hash_ (str):
            prev_hash (str):
     """

    seq: int
    occurred_at: datetime.datetime
    actor: ActorField
    action: str
    target: TargetField
    changes: AuditEventChanges
    outcome: OutcomeEnum
    repeat_count: int
    request: RequestField
    hash_: str
    prev_hash: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.actor_field import ActorField # noqa: PLC0415
        from ..models.audit_event_changes import AuditEventChanges # noqa: PLC0415
        from ..models.request_field import RequestField # noqa: PLC0415
        from ..models.target_field import TargetField # noqa: PLC0415
        seq = self.seq

        occurred_at = self.occurred_at.isoformat()

        actor = self.actor.to_dict()

        action = self.action

        target = self.target.to_dict()

        changes = self.changes.to_dict()

        outcome = self.outcome.value

        repeat_count = self.repeat_count

        request = self.request.to_dict()

        hash_ = self.hash_

        prev_hash = self.prev_hash


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "seq": seq,
            "occurred_at": occurred_at,
            "actor": actor,
            "action": action,
            "target": target,
            "changes": changes,
            "outcome": outcome,
            "repeat_count": repeat_count,
            "request": request,
            "hash": hash_,
            "prev_hash": prev_hash,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.actor_field import ActorField # noqa: PLC0415
        from ..models.audit_event_changes import AuditEventChanges # noqa: PLC0415
        from ..models.request_field import RequestField # noqa: PLC0415
        from ..models.target_field import TargetField # noqa: PLC0415
        d = dict(src_dict)
        seq = d.pop("seq")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))




        actor = ActorField.from_dict(d.pop("actor"))




        action = d.pop("action")

        target = TargetField.from_dict(d.pop("target"))




        changes = AuditEventChanges.from_dict(d.pop("changes"))




        outcome = OutcomeEnum(d.pop("outcome"))




        repeat_count = d.pop("repeat_count")

        request = RequestField.from_dict(d.pop("request"))




        hash_ = d.pop("hash")

        prev_hash = d.pop("prev_hash")

        audit_event = cls(
            seq=seq,
            occurred_at=occurred_at,
            actor=actor,
            action=action,
            target=target,
            changes=changes,
            outcome=outcome,
            repeat_count=repeat_count,
            request=request,
            hash_=hash_,
            prev_hash=prev_hash,
        )


        audit_event.additional_properties = d
        return audit_event

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
