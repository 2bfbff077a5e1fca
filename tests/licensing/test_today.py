"""`licensing.selectors.today`, the day license versions are valid by: the platform's
calendar day in settings.TIME_ZONE, whatever time zone a request activates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from licensing import selectors


def test_today_is_the_local_date():
    assert selectors.today() == timezone.localdate()


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_today_is_the_day_in_the_platform_time_zone(zone):
    """Kiritimati (UTC+14) and Pago Pago (UTC-11) are on different dates most of the day."""
    with override_settings(TIME_ZONE=zone):
        before = datetime.now(ZoneInfo(zone)).date()
        found = selectors.today()
        after = datetime.now(ZoneInfo(zone)).date()
    assert found in {before, after}


def test_an_activated_time_zone_does_not_move_the_day():
    with override_settings(TIME_ZONE="Pacific/Kiritimati"):
        expected = datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
        with timezone.override(ZoneInfo("Pacific/Pago_Pago")):
            assert selectors.today() in {
                expected,
                datetime.now(ZoneInfo("Pacific/Kiritimati")).date(),
            }
