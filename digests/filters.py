"""Filters of the digest list (and of exports, which select what the list does)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import django_filters
from django_filters.rest_framework import DjangoFilterBackend

from core.filters import StrictFilterSet
from digests import search
from digests.models import Digest
from digests.selectors import Reader


class DigestFilter(StrictFilterSet):
    """Text filters match the text the reader is shown (digests.search), so the filter
    set is made for one reader: `ReaderFilterBackend` gives it the view's."""

    publisher = django_filters.CharFilter(method="filter_publisher", help_text="Exact, any case.")
    status = django_filters.ChoiceFilter(choices=Digest.Status.choices)
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")
    topic = django_filters.CharFilter(method="filter_topic", help_text="One topic, exact.")
    q = django_filters.CharFilter(
        method="filter_q", help_text="Text search over title, summary, key points and sections."
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

    def filter_q(self, queryset, name, value):
        return self.text.search(queryset, value)


class ReaderFilterBackend(DjangoFilterBackend):
    """django-filter's backend, giving the filter set the view's reader and the text it
    is shown."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {
            **super().get_filterset_kwargs(request, queryset, view),
            "reader": view.reader(),
            "shown": view.shown_columns,
        }
