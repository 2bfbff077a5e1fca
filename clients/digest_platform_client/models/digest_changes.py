from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.change import Change





T = TypeVar("T", bound="DigestChanges")



@_attrs_define
class DigestChanges:
    """ 
        Attributes:
            cursor (str): Pass as `since` next time (also when there were none). Opaque; it is valid for the caller it was
                given to.
            reset (bool): The feed started over from the beginning: what you may see changed (another role or permissions)
                since the cursor was given. Every digest comes again, those gone as tombstones.
            has_more (bool): More changes follow now: ask again at once.
            results (list[Change]):
     """

    cursor: str
    reset: bool
    has_more: bool
    results: list[Change]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.change import Change # noqa: PLC0415
        cursor = self.cursor

        reset = self.reset

        has_more = self.has_more

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "cursor": cursor,
            "reset": reset,
            "has_more": has_more,
            "results": results,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.change import Change # noqa: PLC0415
        d = dict(src_dict)
        cursor = d.pop("cursor")

        reset = d.pop("reset")

        has_more = d.pop("has_more")

        results = []
        _results = d.pop("results")
        for results_item_data in (_results):
            results_item = Change.from_dict(results_item_data)



            results.append(results_item)


        digest_changes = cls(
            cursor=cursor,
            reset=reset,
            has_more=has_more,
            results=results,
        )


        digest_changes.additional_properties = d
        return digest_changes

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
