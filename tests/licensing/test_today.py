"""`licensing.selectors.today`, the day license versions are valid by, is kept until
the day ends; it must always be the day `timezone.localdate()` gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from licensing import selectors


@pytest.fixture
def clock(monkeypatch):
    """Sets the time `today` reads, in seconds since the epoch."""
    now = [0.0]
    monkeypatch.setattr(selectors._time, "time", lambda: now[0])
    monkeypatch.setattr(selectors, "_known_day", (None, 0.0, 0.0, None))
    return now


def test_today_is_the_local_date():
    assert selectors.today() == timezone.localdate()


@pytest.mark.parametrize(
    ("zone", "around"),
    [
        ("UTC", "2026-12-31T12:00:00+00:00"),
        # Midnight skipped (clocks went from 00:00 to 01:00) and repeated (back to 23:00)
        ("America/Sao_Paulo", "2018-11-03T12:00:00-03:00"),
        ("America/Sao_Paulo", "2019-02-16T12:00:00-02:00"),
        ("Europe/Berlin", "2026-03-29T00:00:00+01:00"),
        ("Asia/Kathmandu", "2026-06-30T20:00:00+05:45"),
        ("Pacific/Apia", "2011-12-29T12:00:00-10:00"),  # skipped a whole day
    ],
)
def test_the_kept_day_changes_exactly_at_local_midnight(clock, zone, around):
    """Every quarter of an hour (and the seconds either side of each midnight) for three
    days around a clock change, in order and then backwards."""
    tz = ZoneInfo(zone)
    middle = datetime.fromisoformat(around).timestamp()
    instants = [middle + minutes * 60 for minutes in range(-36 * 60, 36 * 60, 15)]
    day = datetime.fromtimestamp(instants[0], tz).date()
    while True:
        day += timedelta(days=1)
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()
        if midnight > instants[-1]:
            break
        instants += [midnight - 1, midnight - 0.001, midnight, midnight + 1]
    instants.sort()
    with override_settings(TIME_ZONE=zone):
        for instant in [*instants, *reversed(instants)]:
            clock[0] = instant
            expected = datetime.fromtimestamp(instant, tz).date()
            assert selectors.today() == expected, datetime.fromtimestamp(instant, UTC)


def test_a_changed_time_zone_is_not_served_the_old_day(clock):
    clock[0] = datetime(2026, 11, 29, 23, 30, tzinfo=UTC).timestamp()
    assert selectors.today().day == 29
    with override_settings(TIME_ZONE="Asia/Tokyo"):
        assert selectors.today().day == 30
    assert selectors.today().day == 29


class _Change(tzinfo):
    """A zone whose offset goes from `before` to `after` at the UTC instant `at`, with
    fold as PEP 495 has it (0: the offset before the change)."""

    def __init__(self, at: datetime, before: timedelta, after: timedelta):
        self.at, self.before, self.after = at, before, after

    def utcoffset(self, dt):
        local = dt.replace(tzinfo=None, fold=0)
        low, high = sorted((self.at + self.before, self.at + self.after))
        if local < low:
            return self.before
        if local >= high:
            return self.after
        return self.after if dt.fold else self.before  # skipped or repeated

    def dst(self, dt):
        return timedelta(0)

    def fromutc(self, dt):
        utc = dt.replace(tzinfo=None)
        if utc < self.at:
            return (utc + self.before).replace(tzinfo=self)
        local = utc + self.after
        repeated = self.after < self.before and local < self.at + self.before
        return local.replace(tzinfo=self, fold=1 if repeated else 0)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (timedelta(0), timedelta(hours=1)),  # 23:30 jumps to 00:30: midnight skipped
        (timedelta(hours=1), timedelta(0)),  # 00:30 goes back to 23:30: midnight twice
    ],
)
def test_a_clock_change_across_midnight(clock, monkeypatch, before, after):
    """Every minute for three hours either side of the change, forwards and backwards."""
    at = datetime(2026, 3, 28, 23, 30)  # UTC: 23:30 or 00:30 local before the change
    zone = _Change(at, before, after)
    monkeypatch.setattr(selectors.timezone, "get_default_timezone", lambda: zone)
    middle = at.replace(tzinfo=UTC).timestamp()
    instants = [middle + minute * 60 for minute in range(-180, 181)]
    for instant in [*instants, *reversed(instants)]:
        clock[0] = instant
        expected = datetime.fromtimestamp(instant, zone).date()
        assert selectors.today() == expected, datetime.fromtimestamp(instant, UTC)
