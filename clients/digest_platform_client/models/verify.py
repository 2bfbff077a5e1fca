from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.verify_first_broken_type_0 import VerifyFirstBrokenType0





T = TypeVar("T", bound="Verify")



@_attrs_define
class Verify:
    """ 
        Attributes:
            ok (bool):
            checked (int):
            last_seq (int):
            first_broken (None | VerifyFirstBrokenType0):
     """

    ok: bool
    checked: int
    last_seq: int
    first_broken: None | VerifyFirstBrokenType0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.verify_first_broken_type_0 import VerifyFirstBrokenType0 # noqa: PLC0415
        ok = self.ok

        checked = self.checked

        last_seq = self.last_seq

        first_broken: dict[str, Any] | None
        if isinstance(self.first_broken, VerifyFirstBrokenType0):
            first_broken = self.first_broken.to_dict()
        else:
            first_broken = self.first_broken


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "ok": ok,
            "checked": checked,
            "last_seq": last_seq,
            "first_broken": first_broken,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.verify_first_broken_type_0 import VerifyFirstBrokenType0 # noqa: PLC0415
        d = dict(src_dict)
        ok = d.pop("ok")

        checked = d.pop("checked")

        last_seq = d.pop("last_seq")

        def _parse_first_broken(data: object) -> None | VerifyFirstBrokenType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                first_broken_type_0 = VerifyFirstBrokenType0.from_dict(data)



                return first_broken_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | VerifyFirstBrokenType0, data)

        first_broken = _parse_first_broken(d.pop("first_broken"))


        verify = cls(
            ok=ok,
            checked=checked,
            last_seq=last_seq,
            first_broken=first_broken,
        )


        verify.additional_properties = d
        return verify

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
