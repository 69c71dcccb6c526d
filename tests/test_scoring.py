"""Pure scoring and window arithmetic (no database)."""

import datetime

import pytest
from freezegun import freeze_time

from odoo.addons.kpi_management.tools import scoring as s


@pytest.mark.parametrize(
    ("value", "target", "direction", "expected"),
    [
        (6, 10, "higher", 60.0),  # the source example: 6 of 10 meetings
        (10, 10, "higher", 100.0),
        (0, 10, "higher", 0.0),
        (45, 10, "higher", s.SCORE_CAP),  # capped
        (4, 8, "lower", 200.0),  # half the allowed response time: capped at 200
        (10, 8, "lower", 80.0),
        (16, 8, "lower", 50.0),
        (0, 8, "lower", s.SCORE_CAP),
        (0, 0, "lower", 100.0),  # target 0 overdue activities, none: reached
        (3, 0, "lower", 0.0),
    ],
)
def test_compute_score(value, target, direction, expected):
    assert s.compute_score(value, target, direction) == expected


@pytest.mark.parametrize("direction", ["higher", "lower"])
@pytest.mark.parametrize("target", [0, 8, 10])
def test_no_data_is_not_a_score(target, direction):
    """Nothing to measure (no lead to answer, none closed, no key account): no score and the
    status no_data, for every direction (before: 100% "reached" for lower-is-better)."""
    assert s.score_status(0, target, direction, 80, has_data=False) == (None, s.STATUS_NO_DATA)


@pytest.mark.parametrize(("value", "target", "direction", "expected"), [
    (6, 10, "higher", (60.0, "off_track")),
    (0, 2, "lower", (200.0, "reached")),  # a measured 0 (nothing overdue) is a value
    (1, 2, "lower", (200.0, "reached")),
    (3, 2, "lower", (66.67, "off_track")),
])
def test_score_status_of_a_measured_value(value, target, direction, expected):
    assert s.score_status(value, target, direction, 80) == expected


def test_lower_is_better_never_scores_less_for_a_better_value():
    """The score of a lower-is-better KPI never rises with its value (before, 0 overdue
    activities scored 100% and 1 scored 200% against a target of 2)."""
    scores = [s.score_status(v, 2, "lower", 80)[0] for v in range(0, 10)]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("score", "threshold", "status"),
    [(100, 80, "reached"), (150, 80, "reached"), (99.9, 80, "warning"), (80, 80, "warning"),
     (79.99, 80, "off_track"), (60, 80, "off_track"), (0, 0, "warning")],
)
def test_compute_status(score, threshold, status):
    assert s.compute_status(score, threshold) == status


def test_future_window_starts_today_local_midnight():
    day = datetime.date(2026, 11, 23)
    day_from, day_to, utc_from, utc_to = s.window_bounds(day, 14, s.WINDOW_FUTURE, "Europe/Copenhagen")
    assert (day_from, day_to) == (day, datetime.date(2026, 12, 7))
    assert utc_from == datetime.datetime(2026, 11, 22, 23, 0)
    assert utc_to == datetime.datetime(2026, 12, 6, 23, 0)


def test_past_window_is_full_days_before():
    day = datetime.date(2026, 11, 23)
    day_from, day_to, utc_from, utc_to = s.window_bounds(day, 90, s.WINDOW_PAST, "America/New_York")
    assert (day_from, day_to) == (datetime.date(2026, 8, 25), day)
    # New York is UTC-4 in August (DST) and UTC-5 in November
    assert utc_from == datetime.datetime(2026, 8, 25, 4, 0)
    assert utc_to == datetime.datetime(2026, 11, 23, 5, 0)


def test_local_today_depends_on_timezone():
    now = datetime.datetime(2026, 11, 23, 23, 30)  # UTC
    assert s.local_today("UTC", now) == datetime.date(2026, 11, 23)
    assert s.local_today("Europe/Copenhagen", now) == datetime.date(2026, 11, 24)
    assert s.local_today("America/Los_Angeles", now) == datetime.date(2026, 11, 23)
    assert s.local_today("Not/AZone", now) == datetime.date(2026, 11, 23)
    assert s.local_today(False, now) == datetime.date(2026, 11, 23)


def test_window_across_daylight_saving_change():
    """30 days before 23 Nov 2026 is 24 Oct, still summer time in Copenhagen (UTC+2)."""
    _f, _t, utc_from, utc_to = s.window_bounds(
        datetime.date(2026, 11, 23), 30, s.WINDOW_PAST, "Europe/Copenhagen")
    assert utc_from == datetime.datetime(2026, 10, 23, 22, 0)
    assert utc_to == datetime.datetime(2026, 11, 22, 23, 0)


def test_window_bounds_computed_once_per_day_and_timezone():
    """The users of a rule share their day and timezone: the arithmetic is cached, the same
    values, the timezones kept apart; a window out of the calendar raises each time."""
    s._window_bounds.cache_clear()
    day = datetime.date(2026, 11, 23)
    first = s.window_bounds(day, 30, s.WINDOW_PAST, "Europe/Copenhagen")
    for _i in range(5):
        assert s.window_bounds(day, 30, s.WINDOW_PAST, "Europe/Copenhagen") == first
    assert s._window_bounds.cache_info().misses == 1
    assert first == (datetime.date(2026, 10, 24), day, datetime.datetime(2026, 10, 23, 22, 0),
                     datetime.datetime(2026, 11, 22, 23, 0))
    assert s.window_bounds(day, 30, s.WINDOW_PAST, "UTC")[2:] == (
        datetime.datetime(2026, 10, 24), datetime.datetime(2026, 11, 23))
    assert s.window_bounds(day, 30, s.WINDOW_FUTURE, "Europe/Copenhagen")[:2] == (
        day, datetime.date(2026, 12, 23))
    for _i in range(2):
        with pytest.raises(ValueError, match="leaves the calendar"):
            s.window_bounds(day, 3_000_000, s.WINDOW_FUTURE, "UTC")


def test_midnights_and_todays_cached_per_day_and_timezone():
    """Local midnights across the autumn change of 2026 in Copenhagen and New York, and the
    local day of a UTC instant: the same values as computed afresh, the second time from the
    cache; a ``now`` left out is the clock of each call, never a cached one."""
    s.local_midnight_utc.cache_clear()
    for tz in ("Europe/Copenhagen", "America/New_York", "UTC", "Not/AZone"):
        for offset in range(-3, 10):
            day = datetime.date(2026, 10, 25) + datetime.timedelta(days=offset)
            assert s.local_midnight_utc(day, tz) == s.local_midnight_utc.__wrapped__(day, tz)
            assert s.local_midnight_utc(day, tz) == s.local_midnight_utc.__wrapped__(day, tz)
    assert s.local_midnight_utc.cache_info().hits == 4 * 13
    assert s.local_midnight_utc(datetime.date(2026, 10, 25), "Europe/Copenhagen") == \
        datetime.datetime(2026, 10, 24, 22, 0)
    assert s.local_midnight_utc(datetime.date(2026, 10, 26), "Europe/Copenhagen") == \
        datetime.datetime(2026, 10, 25, 23, 0)
    now = datetime.datetime(2026, 11, 22, 23, 30)
    assert s.local_today("Europe/Copenhagen", now) == datetime.date(2026, 11, 23)
    assert s.local_today("America/New_York", now) == datetime.date(2026, 11, 22)
    with freeze_time("2026-11-22 23:30:00"):
        assert s.local_today("Europe/Copenhagen") == datetime.date(2026, 11, 23)
    with freeze_time("2026-11-23 23:30:00"):
        assert s.local_today("Europe/Copenhagen") == datetime.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("day", "days", "kind", "tz"),
    [
        (datetime.date(2026, 11, 23), 1_000_000, s.WINDOW_PAST, "Europe/Copenhagen"),
        (datetime.date(2026, 11, 23), 3_000_000, s.WINDOW_FUTURE, "UTC"),
        (datetime.date(1, 1, 5), 30, s.WINDOW_PAST, "UTC"),
        (datetime.date(1, 1, 1), 1, s.WINDOW_FUTURE, "Europe/Copenhagen"),  # UTC is in year 0
        (datetime.date(9999, 12, 31), 1, s.WINDOW_SNAPSHOT, "UTC"),
    ],
)
def test_window_out_of_the_calendar_is_a_value_error(day, days, kind, tz):
    with pytest.raises(ValueError, match="leaves the calendar"):
        s.window_bounds(day, days, kind, tz)


@pytest.mark.parametrize(
    ("target", "ok"),
    [(0, True), (-5, True), (s.MAX_TARGET, True), (-s.MAX_TARGET, True), (1e13, False),
     (float("inf"), False), (float("-inf"), False), (float("nan"), False)],
)
def test_target_in_range(target, ok):
    assert s.target_in_range(target) is ok
