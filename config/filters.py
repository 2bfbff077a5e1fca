"""The base of every list filter: a typed filter given an empty value is a 400.

django-filter treats `?status=` like a missing parameter, so a client that sends an
empty date or choice would silently get everything; the OpenAPI document says the value
is a date, a date-time or one of an enum, and the API keeps to that. Text filters stay
lenient (an empty string is a string).
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError


class StrictFilterSet(django_filters.FilterSet):
    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, declared in self.filters.items():
            if isinstance(declared, django_filters.CharFilter):
                continue
            if name in self.data and self.data.get(name) == "":
                self.form.add_error(
                    name,
                    ValidationError("Give a value, or leave the parameter out.", code="blank"),
                )
                valid = False
        return valid
