"""A new plan's default start: this year while most of it is ahead, else the next full year."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.workspaces import default_period_start


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2026, 6, 30), date(2026, 1, 1)),
        (date(2026, 9, 30), date(2026, 1, 1)),
        (date(2026, 10, 15), date(2027, 1, 1)),
        (date(2026, 11, 30), date(2027, 1, 1)),  # the day: not a year 92% over
        (date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_default_period_start(today: date, start: date) -> None:
    assert default_period_start(today) == start


def test_every_day_of_a_leap_year_leaves_at_least_a_quarter_of_the_plan_ahead() -> None:
    day = date(2028, 1, 1)
    while day.year == 2028:
        start = default_period_start(day)
        end = date(start.year + 1, 1, 1)
        assert start.month == 1 and start.day == 1
        assert (end - max(day, start)).days >= 366 * 0.25 - 1
        day += timedelta(days=1)
