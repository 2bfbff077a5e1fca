from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.digest_detail import DigestDetail





T = TypeVar("T", bound="Change")



@_attrs_define
class Change:
    """ 
        Attributes:
            seq (int): This change's position in the tenant's feed.
            id (int): The digest's id.
            changed_at (datetime.datetime):
            deleted_at (datetime.datetime | None): Set when the digest is gone for you (deleted, or no longer visible to
                you): a tombstone. Remove your copy.
            digest (DigestDetail | None): The digest now; null if removed.
     """

    seq: int
    id: int
    changed_at: datetime.datetime
    deleted_at: datetime.datetime | None
    digest: DigestDetail | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.digest_detail import DigestDetail # noqa: PLC0415
        seq = self.seq

        id = self.id

        changed_at = self.changed_at.isoformat()

        deleted_at: None | str
        if isinstance(self.deleted_at, datetime.datetime):
            deleted_at = self.deleted_at.isoformat()
        else:
            deleted_at = self.deleted_at

        digest: dict[str, Any] | None
        if isinstance(self.digest, DigestDetail):
            digest = self.digest.to_dict()
        else:
            digest = self.digest


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "seq": seq,
            "id": id,
            "changed_at": changed_at,
            "deleted_at": deleted_at,
            "digest": digest,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.digest_detail import DigestDetail # noqa: PLC0415
        d = dict(src_dict)
        seq = d.pop("seq")

        id = d.pop("id")

        changed_at = datetime.datetime.fromisoformat(d.pop("changed_at"))




        def _parse_deleted_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                deleted_at_type_0 = datetime.datetime.fromisoformat(data)



                return deleted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        deleted_at = _parse_deleted_at(d.pop("deleted_at"))


        def _parse_digest(data: object) -> DigestDetail | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                digest_type_1 = DigestDetail.from_dict(data)



                return digest_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DigestDetail | None, data)

        digest = _parse_digest(d.pop("digest"))


        change = cls(
            seq=seq,
            id=id,
            changed_at=changed_at,
            deleted_at=deleted_at,
            digest=digest,
        )


        change.additional_properties = d
        return change

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
