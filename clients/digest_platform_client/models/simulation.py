from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.simulation_after import SimulationAfter
  from ..models.simulation_before import SimulationBefore
  from ..models.simulation_changes_item import SimulationChangesItem





T = TypeVar("T", bound="Simulation")



@_attrs_define
class Simulation:
    """ 
        Attributes:
            evaluated (int): Digests the draft was evaluated on: among the first 10,000 (newest first) that both the
                simulated principal and you can see, those your own policies leave whole.
            withheld (int): Digests among those first ones that your own policies change (redact, hide a field or a
                section): not evaluated, since the draft would be tried on text you cannot read.
            before (SimulationBefore): `version` in force, and of the evaluated digests how many it hides (`hidden`) and how
                many have any finding (`with_findings`).
            after (SimulationAfter): The same with the draft published.
            changes (list[SimulationChangesItem]): The first 200 evaluated digests whose outcome changes: id, title as you
                see it, and the findings before and after.
            truncated (bool): More than 10,000 digests are visible to both; the oldest were not looked at.
     """

    evaluated: int
    withheld: int
    before: SimulationBefore
    after: SimulationAfter
    changes: list[SimulationChangesItem]
    truncated: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.simulation_after import SimulationAfter # noqa: PLC0415
        from ..models.simulation_before import SimulationBefore # noqa: PLC0415
        from ..models.simulation_changes_item import SimulationChangesItem # noqa: PLC0415
        evaluated = self.evaluated

        withheld = self.withheld

        before = self.before.to_dict()

        after = self.after.to_dict()

        changes = []
        for changes_item_data in self.changes:
            changes_item = changes_item_data.to_dict()
            changes.append(changes_item)



        truncated = self.truncated


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "evaluated": evaluated,
            "withheld": withheld,
            "before": before,
            "after": after,
            "changes": changes,
            "truncated": truncated,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.simulation_after import SimulationAfter # noqa: PLC0415
        from ..models.simulation_before import SimulationBefore # noqa: PLC0415
        from ..models.simulation_changes_item import SimulationChangesItem # noqa: PLC0415
        d = dict(src_dict)
        evaluated = d.pop("evaluated")

        withheld = d.pop("withheld")

        before = SimulationBefore.from_dict(d.pop("before"))




        after = SimulationAfter.from_dict(d.pop("after"))




        changes = []
        _changes = d.pop("changes")
        for changes_item_data in (_changes):
            changes_item = SimulationChangesItem.from_dict(changes_item_data)



            changes.append(changes_item)


        truncated = d.pop("truncated")

        simulation = cls(
            evaluated=evaluated,
            withheld=withheld,
            before=before,
            after=after,
            changes=changes,
            truncated=truncated,
        )


        simulation.additional_properties = d
        return simulation

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
