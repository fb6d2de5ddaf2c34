"""Weeks and months of a trend: which periods to draw, and whether the first or last is partial."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def period_starts(since: dt.date, until: dt.date, granularity: str) -> list[dt.date]:
    """First days of the weeks (Mondays) or months overlapping since..until, in order."""
    if granularity == "month":
        start, starts = since.replace(day=1), []
        while start <= until:
            starts.append(start)
            start = next_period_start(start, "month")
        return starts
    first = since - dt.timedelta(days=since.weekday())
    return [first + dt.timedelta(weeks=k) for k in range((until - first).days // 7 + 1)]


def next_period_start(start: dt.date, granularity: str) -> dt.date:
    if granularity == "month":
        return (start + dt.timedelta(days=32)).replace(day=1)
    return start + dt.timedelta(weeks=1)


@dataclass(frozen=True)
class TrendPeriods:
    starts: list[dt.date]
    last_partial: bool  # the last period runs past `until` (under way, or cut by the filter)


def trend_periods(since: dt.date, until: dt.date, granularity: str) -> TrendPeriods:
    """The periods of a trend over since..until (inclusive).

    A first period that the range covers for less than half its length is dropped: a one-day
    stub of a week is one noisy point that looks like a change. A last period that the range
    does not cover to its end is kept (it is the latest news) but marked partial.
    """
    starts = period_starts(since, until, granularity)
    if len(starts) > 1:
        first_length = (next_period_start(starts[0], granularity) - starts[0]).days
        covered = (next_period_start(starts[0], granularity) - since).days
        if 2 * covered < first_length:
            starts = starts[1:]
    last_partial = bool(starts) and next_period_start(
        starts[-1], granularity
    ) > until + dt.timedelta(days=1)
    return TrendPeriods(starts, last_partial)
