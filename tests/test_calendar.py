"""The calendar periods (``tools/calendar.py``): weeks from Monday to Sunday, calendar quarters,
every result given as explicit dates."""

import datetime

import pytest

from odoo.addons.kpi_management.tools import calendar

D = datetime.date


@pytest.mark.parametrize(
    ("day", "period", "bounds"),
    [
        (D(2026, 11, 23), "day", (D(2026, 11, 23), D(2026, 11, 23))),
        (D(2026, 11, 23), "week", (D(2026, 11, 23), D(2026, 11, 29))),  # a Monday
        (D(2026, 11, 29), "week", (D(2026, 11, 23), D(2026, 11, 29))),  # a Sunday
        (D(2026, 1, 1), "week", (D(2025, 12, 29), D(2026, 1, 4))),  # across the year
        (D(2025, 12, 31), "week", (D(2025, 12, 29), D(2026, 1, 4))),
        (D(2028, 2, 29), "week", (D(2028, 2, 28), D(2028, 3, 5))),  # leap day
        (D(2026, 11, 23), "month", (D(2026, 11, 1), D(2026, 11, 30))),
        (D(2026, 12, 31), "month", (D(2026, 12, 1), D(2026, 12, 31))),
        (D(2028, 2, 10), "month", (D(2028, 2, 1), D(2028, 2, 29))),  # leap year
        (D(2026, 2, 10), "month", (D(2026, 2, 1), D(2026, 2, 28))),
        (D(2026, 11, 23), "quarter", (D(2026, 10, 1), D(2026, 12, 31))),
        (D(2026, 1, 1), "quarter", (D(2026, 1, 1), D(2026, 3, 31))),
        (D(2026, 5, 31), "quarter", (D(2026, 4, 1), D(2026, 6, 30))),
        (D(2026, 9, 30), "quarter", (D(2026, 7, 1), D(2026, 9, 30))),
        (D(2028, 2, 29), "quarter", (D(2028, 1, 1), D(2028, 3, 31))),
        (D(2026, 11, 23), "year", (D(2026, 1, 1), D(2026, 12, 31))),
        (D(2028, 2, 29), "year", (D(2028, 1, 1), D(2028, 12, 31))),
    ],
)
def test_period_bounds(day, period, bounds):
    assert calendar.period_bounds(day, period) == bounds
    assert all(type(bound) is D for bound in calendar.period_bounds(day, period))


def test_period_bounds_unknown():
    with pytest.raises(ValueError):
        calendar.period_bounds(D(2026, 1, 1), "fortnight")
    with pytest.raises(ValueError):
        calendar.periods_between(D(2026, 1, 1), D(2026, 1, 2), "day")


@pytest.mark.parametrize(
    ("date_from", "period", "expected"),
    [
        (D(2026, 1, 1), "month", (D(2025, 12, 1), D(2025, 12, 31))),
        (D(2026, 3, 1), "month", (D(2026, 2, 1), D(2026, 2, 28))),
        (D(2028, 3, 1), "month", (D(2028, 2, 1), D(2028, 2, 29))),
        (D(2026, 11, 16), "week", (D(2026, 11, 9), D(2026, 11, 15))),
        (D(2026, 1, 5), "week", (D(2025, 12, 29), D(2026, 1, 4))),
        (D(2026, 1, 1), "quarter", (D(2025, 10, 1), D(2025, 12, 31))),
        (D(2026, 4, 1), "quarter", (D(2026, 1, 1), D(2026, 3, 31))),
        (D(2026, 1, 1), "year", (D(2025, 1, 1), D(2025, 12, 31))),
    ],
)
def test_previous_period(date_from, period, expected):
    assert calendar.previous_period(date_from, period) == expected


@pytest.mark.parametrize(
    ("today", "period", "expected"),
    [
        (D(2026, 11, 23), "week", (D(2026, 11, 16), D(2026, 11, 22))),  # Monday
        (D(2026, 11, 29), "week", (D(2026, 11, 16), D(2026, 11, 22))),  # Sunday: week not over
        (D(2026, 11, 30), "week", (D(2026, 11, 23), D(2026, 11, 29))),
        (D(2026, 1, 3), "week", (D(2025, 12, 22), D(2025, 12, 28))),
        (D(2026, 11, 23), "month", (D(2026, 10, 1), D(2026, 10, 31))),
        (D(2026, 1, 1), "month", (D(2025, 12, 1), D(2025, 12, 31))),
        (D(2028, 3, 31), "month", (D(2028, 2, 1), D(2028, 2, 29))),
        (D(2026, 11, 23), "quarter", (D(2026, 7, 1), D(2026, 9, 30))),
        (D(2026, 2, 15), "quarter", (D(2025, 10, 1), D(2025, 12, 31))),
        (D(2026, 11, 23), "year", (D(2025, 1, 1), D(2025, 12, 31))),
    ],
)
def test_last_period(today, period, expected):
    assert calendar.last_period(today, period) == expected


def test_periods_between_crosses_the_year():
    assert calendar.periods_between(D(2025, 12, 15), D(2026, 1, 2), "month") == [
        (D(2025, 12, 1), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 1, 31))]
    assert calendar.periods_between(D(2025, 12, 29), D(2026, 1, 5), "week") == [
        (D(2025, 12, 29), D(2026, 1, 4)), (D(2026, 1, 5), D(2026, 1, 11))]
    assert calendar.periods_between(D(2025, 11, 1), D(2026, 1, 1), "quarter") == [
        (D(2025, 10, 1), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 3, 31))]
    assert calendar.periods_between(D(2027, 6, 1), D(2028, 1, 1), "year") == [
        (D(2027, 1, 1), D(2027, 12, 31)), (D(2028, 1, 1), D(2028, 12, 31))]
    assert calendar.periods_between(D(2026, 2, 2), D(2026, 1, 31), "month") == []


def test_period_days_and_elapsed_days():
    assert calendar.period_days(D(2026, 11, 1), D(2026, 11, 30)) == 30
    assert calendar.period_days(D(2028, 1, 1), D(2028, 12, 31)) == 366
    assert calendar.period_days(D(2026, 7, 1), D(2026, 9, 30)) == 92
    assert calendar.period_days(D(2026, 11, 23), D(2026, 11, 23)) == 1
    # "day 23 of 30", never below 1 nor beyond the period
    assert calendar.elapsed_days(D(2026, 11, 1), D(2026, 11, 30), D(2026, 11, 23)) == 23
    assert calendar.elapsed_days(D(2026, 11, 1), D(2026, 11, 30), None) == 1
    assert calendar.elapsed_days(D(2026, 11, 1), D(2026, 11, 30), D(2026, 10, 20)) == 1
    assert calendar.elapsed_days(D(2026, 11, 1), D(2026, 11, 30), D(2026, 12, 5)) == 30
