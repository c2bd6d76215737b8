"""Opening hours: periods, midnight crossings and "open now" in Asia/Ho_Chi_Minh."""

from datetime import UTC, datetime

import pytest

from geo.errors import GeoError
from geo.hours import Period, is_open, periods


def test_overnight_period_is_split_at_midnight() -> None:
    found = periods({"sat": [["17:00", "01:00"]]})
    assert found == [Period(5, 17 * 60, 1440), Period(6, 0, 60)]


def test_sunday_night_wraps_to_monday() -> None:
    assert periods({"sun": [["22:00", "02:30"]]}) == [Period(6, 1320, 1440), Period(0, 0, 150)]


def test_always_open_covers_every_day() -> None:
    assert len(periods({"always_open": True})) == 7


def test_open_now_uses_vietnam_time() -> None:
    hours = periods({"mon": [["07:00", "17:00"]]})
    # 2026-11-23 is a Monday; 00:30 UTC is 07:30 in Vietnam (UTC+7), 10:30 UTC is 17:30.
    assert is_open(hours, datetime(2026, 11, 23, 0, 30, tzinfo=UTC))
    assert not is_open(hours, datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
    # Sunday 23:30 UTC is already Monday 06:30 in Vietnam: still closed.
    assert not is_open(hours, datetime(2026, 11, 22, 23, 30, tzinfo=UTC))


@pytest.mark.parametrize("bad", [{"mon": [["7:00", "17:00"]]}, {"mon": [["07:00"]]},
                                 {"funday": [["07:00", "17:00"]]}, {"mon": [["25:00", "26:00"]]}])
def test_bad_hours_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(GeoError) as info:
        periods(bad)
    assert info.value.code == "INVALID_DESTINATION"
