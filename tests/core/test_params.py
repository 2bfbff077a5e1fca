"""Whole-number query parameters (core.params): what a page size or a bound accepts."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from core.params import BIGINT_MAX, whole_number


@pytest.mark.parametrize("raw", ["30701843775656982073762119680", "9" * 5000, "0" * 5000 + "7"])
def test_an_unbounded_number_of_any_length_is_left_for_the_caller_to_cap(raw):
    value = whole_number({"page_size": raw}, "page_size", 50, low=1, high=None)
    assert min(value, 200) == (7 if raw.startswith("00") else 200)


@pytest.mark.parametrize("raw", [str(BIGINT_MAX + 1), "9" * 5000, "x", "-1", "", "\uff11"])
def test_a_bounded_number_out_of_range_or_not_a_number_is_refused(raw):
    with pytest.raises(serializers.ValidationError):
        whole_number({"since": raw}, "since", 0, low=0)


def test_a_number_in_range_reads_as_itself():
    assert whole_number({"n": "0042"}, "n", 1) == 42
    assert whole_number({}, "n", 1) == 1
