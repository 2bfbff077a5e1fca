from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="ReviewOut")



@_attrs_define
class ReviewOut:
    """ 
        Attributes:
            decision (str):
            notes (str):
            conditions (str):
            terms_sha256 (str):
            reviewer (str):
            decided_at (datetime.datetime):
     """

    decision: str
    notes: str
    conditions: str
    terms_sha256: str
    reviewer: str
    decided_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        decision = self.decision

        notes = self.notes

        conditions = self.conditions

        terms_sha256 = self.terms_sha256

        reviewer = self.reviewer

        decided_at = self.decided_at.isoformat()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "decision": decision,
            "notes": notes,
            "conditions": conditions,
            "terms_sha256": terms_sha256,
            "reviewer": reviewer,
            "decided_at": decided_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        decision = d.pop("decision")

        notes = d.pop("notes")

        conditions = d.pop("conditions")

        terms_sha256 = d.pop("terms_sha256")

        reviewer = d.pop("reviewer")

        decided_at = datetime.datetime.fromisoformat(d.pop("decided_at"))




        review_out = cls(
            decision=decision,
            notes=notes,
            conditions=conditions,
            terms_sha256=terms_sha256,
            reviewer=reviewer,
            decided_at=decided_at,
        )


        review_out.additional_properties = d
        return review_out

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
