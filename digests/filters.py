"""Filters of the digest list (and of exports, which select what the list does)."""

from __future__ import annotations

import django_filters

from core.filters import StrictFilterSet
from digests import selectors
from digests.models import Digest


class DigestFilter(StrictFilterSet):
    publisher = django_filters.CharFilter(field_name="publisher", lookup_expr="iexact")
    status = django_filters.ChoiceFilter(choices=Digest.Status.choices)
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")
    topic = django_filters.CharFilter(method="filter_topic", help_text="One topic, exact.")
    q = django_filters.CharFilter(
        method="filter_q", help_text="Text search over title, summary, key points and sections."
    )

    def filter_topic(self, queryset, name, value):
        topic = " ".join(value.split()).lower()
        return queryset.filter(topics__contains=[topic])

    def filter_q(self, queryset, name, value):
        return selectors.search(queryset, value)
