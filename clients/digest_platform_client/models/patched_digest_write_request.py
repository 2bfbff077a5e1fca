from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.section_request import SectionRequest
  from ..models.source_request import SourceRequest





T = TypeVar("T", bound="PatchedDigestWriteRequest")



@_attrs_define
class PatchedDigestWriteRequest:
    """ What a client may set. Status, restriction, tenant and authorship are not here:
    they change only through their own endpoints.

        Attributes:
            title (str | Unset):
            slug (str | Unset):
            publisher (str | Unset):
            published_on (datetime.date | Unset):
            summary (str | Unset):  Default: ''.
            key_points (list[str] | Unset):
            sections (list[SectionRequest] | Unset):
            topics (list[str] | Unset):
            language (str | Unset):  Default: 'en'.
            truncated (bool | Unset):  Default: False.
            exporter (str | Unset):  Default: ''.
            source (SourceRequest | Unset):
     """

    title: str | Unset = UNSET
    slug: str | Unset = UNSET
    publisher: str | Unset = UNSET
    published_on: datetime.date | Unset = UNSET
    summary: str | Unset = ''
    key_points: list[str] | Unset = UNSET
    sections: list[SectionRequest] | Unset = UNSET
    topics: list[str] | Unset = UNSET
    language: str | Unset = 'en'
    truncated: bool | Unset = False
    exporter: str | Unset = ''
    source: SourceRequest | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.section_request import SectionRequest # noqa: PLC0415
        from ..models.source_request import SourceRequest # noqa: PLC0415
        title = self.title

        slug = self.slug

        publisher = self.publisher

        published_on: str | Unset = UNSET
        if not isinstance(self.published_on, Unset):
            published_on = self.published_on.isoformat()

        summary = self.summary

        key_points: list[str] | Unset = UNSET
        if not isinstance(self.key_points, Unset):
            key_points = self.key_points



        sections: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.sections, Unset):
            sections = []
            for sections_item_data in self.sections:
                sections_item = sections_item_data.to_dict()
                sections.append(sections_item)



        topics: list[str] | Unset = UNSET
        if not isinstance(self.topics, Unset):
            topics = self.topics



        language = self.language

        truncated = self.truncated

        exporter = self.exporter

        source: dict[str, Any] | Unset = UNSET
        if not isinstance(self.source, Unset):
            source = self.source.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if title is not UNSET:
            field_dict["title"] = title
        if slug is not UNSET:
            field_dict["slug"] = slug
        if publisher is not UNSET:
            field_dict["publisher"] = publisher
        if published_on is not UNSET:
            field_dict["published_on"] = published_on
        if summary is not UNSET:
            field_dict["summary"] = summary
        if key_points is not UNSET:
            field_dict["key_points"] = key_points
        if sections is not UNSET:
            field_dict["sections"] = sections
        if topics is not UNSET:
            field_dict["topics"] = topics
        if language is not UNSET:
            field_dict["language"] = language
        if truncated is not UNSET:
            field_dict["truncated"] = truncated
        if exporter is not UNSET:
            field_dict["exporter"] = exporter
        if source is not UNSET:
            field_dict["source"] = source

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.section_request import SectionRequest # noqa: PLC0415
        from ..models.source_request import SourceRequest # noqa: PLC0415
        d = dict(src_dict)
        title = d.pop("title", UNSET)

        slug = d.pop("slug", UNSET)

        publisher = d.pop("publisher", UNSET)

        _published_on = d.pop("published_on", UNSET)
        published_on: datetime.date | Unset
        if isinstance(_published_on,  Unset):
            published_on = UNSET
        else:
            published_on = datetime.date.fromisoformat(_published_on)




        summary = d.pop("summary", UNSET)

        key_points = cast(list[str], d.pop("key_points", UNSET))


        _sections = d.pop("sections", UNSET)
        sections: list[SectionRequest] | Unset = UNSET
        if _sections is not UNSET:
            sections = []
            for sections_item_data in _sections:
                sections_item = SectionRequest.from_dict(sections_item_data)



                sections.append(sections_item)


        topics = cast(list[str], d.pop("topics", UNSET))


        language = d.pop("language", UNSET)

        truncated = d.pop("truncated", UNSET)

        exporter = d.pop("exporter", UNSET)

        _source = d.pop("source", UNSET)
        source: SourceRequest | Unset
        if isinstance(_source,  Unset):
            source = UNSET
        else:
            source = SourceRequest.from_dict(_source)




        patched_digest_write_request = cls(
            title=title,
            slug=slug,
            publisher=publisher,
            published_on=published_on,
            summary=summary,
            key_points=key_points,
            sections=sections,
            topics=topics,
            language=language,
            truncated=truncated,
            exporter=exporter,
            source=source,
        )


        patched_digest_write_request.additional_properties = d
        return patched_digest_write_request

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
