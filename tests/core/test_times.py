"""`core.times.iso_utc`: the API's times. The quick path for UTC values must write what
isoformat writes."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from core.times import iso_utc


def _isoformat(value: dt.datetime, timespec: str = "auto") -> str:
    return value.isoformat(timespec=timespec).replace("+00:00", "Z")


def test_utc_values_read_as_isoformat_writes_them():
    generator = random.Random(20261129)
    values = [
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(999, 12, 31, 23, 59, 59, 1, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 29, 5, 45, 22, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 29, 5, 45, 22, 500000, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 29, fold=1, tzinfo=dt.UTC),
    ]
    for _ in range(5000):
        second = generator.randrange(0, 253402300800)
        micro = generator.choice([0, generator.randrange(1, 1000000)])
        values.append(
            dt.datetime(1, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=second, microseconds=micro)
        )
    for value in values:
        assert iso_utc(value) == _isoformat(value)
    assert iso_utc(values[4]) == "2026-11-29T05:45:22.500000Z"
    assert iso_utc(values[3]) == "2026-11-29T05:45:22Z"


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 11, 29, 5, 45, 22, 123456),  # naive
        dt.datetime(2026, 11, 29, 5, 45, 22, 123456, tzinfo=ZoneInfo("UTC")),
        dt.datetime(2026, 11, 29, 5, 45, 22, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        dt.datetime(2026, 7, 1, 12, tzinfo=ZoneInfo("Europe/Berlin")),
    ],
)
def test_other_values_and_precisions_are_written_by_isoformat(value):
    assert iso_utc(value) == _isoformat(value)
    assert iso_utc(value, "seconds") == _isoformat(value, "seconds")
    utc = value.replace(tzinfo=dt.UTC)
    assert iso_utc(utc, "milliseconds") == _isoformat(utc, "milliseconds")


def test_a_datetime_subclass_is_written_too():
    class Clock(dt.datetime):
        pass

    value = Clock(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert iso_utc(value) == "2026-01-02T03:04:05Z"


def test_nothing_is_none():
    assert iso_utc(None) is None
