from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.digest_status_enum import DigestStatusEnum
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.digest_licensed_source import DigestLicensedSource
  from ..models.digest_source import DigestSource
  from ..models.policy_decision import PolicyDecision





T = TypeVar("T", bound="Digest")



@_attrs_define
class Digest:
    """ A digest in a list (no sections).

        Attributes:
            id (int):
            slug (str):
            title (str):
            publisher (str):
            published_on (datetime.date):
            summary (None | str): null when a policy hides it
            key_points (list[str] | None):
            topics (list[str] | None):
            language (str):
            status (DigestStatusEnum): * `draft` - Draft
                * `published` - Published
                * `archived` - Archived
            truncated (bool):
            restricted (bool):
            source (DigestSource | None):
            sources (list[DigestLicensedSource] | None): What the digest derives from, with license status and the
                attribution its licenses ask for; null when a policy hides the source
            updated_at (datetime.datetime):
            policy (PolicyDecision):
     """

    id: int
    slug: str
    title: str
    publisher: str
    published_on: datetime.date
    summary: None | str
    key_points: list[str] | None
    topics: list[str] | None
    language: str
    status: DigestStatusEnum
    truncated: bool
    restricted: bool
    source: DigestSource | None
    sources: list[DigestLicensedSource] | None
    updated_at: datetime.datetime
    policy: PolicyDecision
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.digest_licensed_source import DigestLicensedSource # noqa: PLC0415
        from ..models.digest_source import DigestSource # noqa: PLC0415
        from ..models.policy_decision import PolicyDecision # noqa: PLC0415
        id = self.id

        slug = self.slug

        title = self.title

        publisher = self.publisher

        published_on = self.published_on.isoformat()

        summary: None | str
        summary = self.summary

        key_points: list[str] | None
        if isinstance(self.key_points, list):
            key_points = self.key_points


        else:
            key_points = self.key_points

        topics: list[str] | None
        if isinstance(self.topics, list):
            topics = self.topics


        else:
            topics = self.topics

        language = self.language

        status = self.status.value

        truncated = self.truncated

        restricted = self.restricted

        source: dict[str, Any] | None
        if isinstance(self.source, DigestSource):
            source = self.source.to_dict()
        else:
            source = self.source

        sources: list[dict[str, Any]] | None
        if isinstance(self.sources, list):
            sources = []
            for sources_type_0_item_data in self.sources:
                sources_type_0_item = sources_type_0_item_data.to_dict()
                sources.append(sources_type_0_item)


        else:
            sources = self.sources

        updated_at = self.updated_at.isoformat()

        policy = self.policy.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "slug": slug,
            "title": title,
            "publisher": publisher,
            "published_on": published_on,
            "summary": summary,
            "key_points": key_points,
            "topics": topics,
            "language": language,
            "status": status,
            "truncated": truncated,
            "restricted": restricted,
            "source": source,
            "sources": sources,
            "updated_at": updated_at,
            "policy": policy,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.digest_licensed_source import DigestLicensedSource # noqa: PLC0415
        from ..models.digest_source import DigestSource # noqa: PLC0415
        from ..models.policy_decision import PolicyDecision # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        slug = d.pop("slug")

        title = d.pop("title")

        publisher = d.pop("publisher")

        published_on = datetime.date.fromisoformat(d.pop("published_on"))




        def _parse_summary(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        summary = _parse_summary(d.pop("summary"))


        def _parse_key_points(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                key_points_type_0 = cast(list[str], data)

                return key_points_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        key_points = _parse_key_points(d.pop("key_points"))


        def _parse_topics(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                topics_type_0 = cast(list[str], data)

                return topics_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        topics = _parse_topics(d.pop("topics"))


        language = d.pop("language")

        status = DigestStatusEnum(d.pop("status"))




        truncated = d.pop("truncated")

        restricted = d.pop("restricted")

        def _parse_source(data: object) -> DigestSource | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                source_type_1 = DigestSource.from_dict(data)



                return source_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DigestSource | None, data)

        source = _parse_source(d.pop("source"))


        def _parse_sources(data: object) -> list[DigestLicensedSource] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                sources_type_0 = []
                _sources_type_0 = data
                for sources_type_0_item_data in (_sources_type_0):
                    sources_type_0_item = DigestLicensedSource.from_dict(sources_type_0_item_data)



                    sources_type_0.append(sources_type_0_item)

                return sources_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[DigestLicensedSource] | None, data)

        sources = _parse_sources(d.pop("sources"))


        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        policy = PolicyDecision.from_dict(d.pop("policy"))




        digest = cls(
            id=id,
            slug=slug,
            title=title,
            publisher=publisher,
            published_on=published_on,
            summary=summary,
            key_points=key_points,
            topics=topics,
            language=language,
            status=status,
            truncated=truncated,
            restricted=restricted,
            source=source,
            sources=sources,
            updated_at=updated_at,
            policy=policy,
        )


        digest.additional_properties = d
        return digest

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
