"""Filters of the digest list (and of exports, which select what the list does)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, reduce
from operator import or_

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from core.filters import StrictFilterSet
from digests import search
from digests.models import LANGUAGES_PATTERN, Digest, validate_language
from digests.selectors import Reader


class LanguageTagsField(forms.CharField):
    """Language tags, comma-separated, as a list; a bad tag is refused by name."""

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        tags = text.split(",") if text else []
        for tag in tags:
            try:
                validate_language(tag)
            except ValidationError:
                raise ValidationError(
                    f"{tag!r} is not a language tag such as en, de or pt-BR.", code="invalid"
                ) from None
        return tags


@extend_schema_field({"type": "string", "pattern": LANGUAGES_PATTERN})
class LanguagesFilter(django_filters.Filter):
    """Not a text filter: an empty value is a 400, as for the typed ones (core.filters)."""

    field_class = LanguageTagsField


class DigestFilter(StrictFilterSet):
    """Text filters match the text the reader is shown (digests.search), so the filter
    set is made for one reader: `ReaderFilterBackend` gives it the view's."""

    publisher = django_filters.CharFilter(method="filter_publisher", help_text="Exact, any case.")
    status = django_filters.ChoiceFilter(choices=Digest.Status.choices)
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")
    topic = django_filters.CharFilter(method="filter_topic", help_text="One topic, exact.")
    language = LanguagesFilter(
        method="filter_language",
        help_text="Language tags, comma-separated (`de,fr`); `de` also selects `de-AT`. "
        "With `q`, the search stems its words for these languages only.",
    )
    q = django_filters.CharFilter(
        method="filter_q",
        help_text="Text search over title, summary, key points and sections, each digest in "
        "its own language: the words are stemmed for every language searched.",
    )

    def __init__(
        self,
        *args,
        reader: Reader,
        shown: Callable[[], search.ShownColumns] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.reader = reader
        self._shown = shown

    @cached_property
    def text(self) -> search.ShownColumns:
        """What the text filters match: the text this reader is shown (`shown()` when
        given, so that the view's facets count the same text without a second lookup)."""
        if self._shown is not None:
            return self._shown()
        return search.ShownColumns(self.reader)

    def filter_publisher(self, queryset, name, value):
        return self.text.filter(queryset, publisher__iexact=value)

    def filter_topic(self, queryset, name, value):
        topic = " ".join(value.split()).lower()
        return self.text.filter(queryset, topics__contains=[topic])

    def filter_language(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            reduce(
                or_,
                (Q(language__iexact=tag) | Q(language__istartswith=f"{tag}-") for tag in value),
            )
        )

    def filter_q(self, queryset, name, value):
        return self.text.search(queryset, value, self.form.cleaned_data.get("language") or None)


class ReaderFilterBackend(DjangoFilterBackend):
    """django-filter's backend, giving the filter set the view's reader and the text it
    is shown."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {
            **super().get_filterset_kwargs(request, queryset, view),
            "reader": view.reader(),
            "shown": view.shown_columns,
        }
