from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.answer_enum import AnswerEnum
from ..models.license_use_enum import LicenseUseEnum
from typing import cast






T = TypeVar("T", bound="Rights")



@_attrs_define
class Rights:
    """ 
        Attributes:
            use (LicenseUseEnum): * `summarize` - summarize
                * `display_internally` - display_internally
                * `distribute_internally` - distribute_internally
                * `redistribute_externally` - redistribute_externally
                * `quote_excerpts` - quote_excerpts
                * `train_models` - train_models
            answer (AnswerEnum): * `permitted` - permitted
                * `prohibited` - prohibited
                * `unknown` - unknown
            permitting (list[int]): License ids
            prohibiting (list[int]): License ids
            contradicted (bool): Licenses in force disagree; the prohibition wins
     """

    use: LicenseUseEnum
    answer: AnswerEnum
    permitting: list[int]
    prohibiting: list[int]
    contradicted: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        use = self.use.value

        answer = self.answer.value

        permitting = self.permitting



        prohibiting = self.prohibiting



        contradicted = self.contradicted


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "use": use,
            "answer": answer,
            "permitting": permitting,
            "prohibiting": prohibiting,
            "contradicted": contradicted,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        use = LicenseUseEnum(d.pop("use"))




        answer = AnswerEnum(d.pop("answer"))




        permitting = cast(list[int], d.pop("permitting"))


        prohibiting = cast(list[int], d.pop("prohibiting"))


        contradicted = d.pop("contradicted")

        rights = cls(
            use=use,
            answer=answer,
            permitting=permitting,
            prohibiting=prohibiting,
            contradicted=contradicted,
        )


        rights.additional_properties = d
        return rights

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
