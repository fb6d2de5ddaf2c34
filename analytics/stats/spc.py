"""XmR statistical process control chart and its signals, as METHODS.md "Trend signals" sets out."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

XMR_LIMIT_FACTOR = 2.66  # 3 / d2 with d2 = 1.128, the usual XmR constant
BASELINE_POINTS = 12  # limits are provisional until this many points, then fixed on them
RUN_LENGTH = 7  # points in a shift or a trend


class Signal(StrEnum):
    BEYOND_LIMIT = "beyond_limit"
    SHIFT = "shift"  # RUN_LENGTH points in a row on one side of the centre
    TREND = "trend"  # RUN_LENGTH points in a row, each above (or each below) the one before
    TWO_OF_THREE = "two_of_three"  # 2 of 3 points beyond 2/3 of the limit distance, same side


@dataclass(frozen=True)
class XmrSegment:
    """A stretch between interventions; each gets its own centre and limits (rebasing)."""

    start: int  # index of the first point, inclusive
    end: int  # exclusive
    centre: float | None  # None when the stretch has no values
    mean_moving_range: float | None  # None with fewer than 2 baseline values
    provisional: bool  # fewer than BASELINE_POINTS values so far

    @property
    def lower(self) -> float | None:
        if self.centre is None or self.mean_moving_range is None:
            return None
        return self.centre - XMR_LIMIT_FACTOR * self.mean_moving_range

    @property
    def upper(self) -> float | None:
        if self.centre is None or self.mean_moving_range is None:
            return None
        return self.centre + XMR_LIMIT_FACTOR * self.mean_moving_range


@dataclass(frozen=True)
class XmrPoint:
    index: int
    value: float | None  # None for a missing or suppressed period: it has no signals
    centre: float | None
    lower: float | None
    upper: float | None
    provisional: bool
    signals: frozenset[Signal]


@dataclass(frozen=True)
class XmrChart:
    points: tuple[XmrPoint, ...]
    segments: tuple[XmrSegment, ...]

    def indices_with(self, signal: Signal) -> list[int]:
        return [point.index for point in self.points if signal in point.signals]


def xmr_chart(
    values: Sequence[float | None],
    *,
    rebase_at: Iterable[int] = (),
    baseline_points: int = BASELINE_POINTS,
) -> XmrChart:
    """Per-point centre, limits and signals for an XmR chart of `values` in time order.

    Each index in `rebase_at` (a known change such as an intervention) starts a new segment
    whose centre and limits come from its own points. Missing values (None) are skipped: moving
    ranges and runs join the values either side of a gap.
    """
    count = len(values)
    starts = sorted({0, *(_checked_index(index) for index in rebase_at if index < count)})
    bounds = list(zip(starts, [*starts[1:], count], strict=True)) if count else []
    points: list[XmrPoint] = []
    segments: list[XmrSegment] = []
    for start, end in bounds:
        segment = _segment(values, start, end, baseline_points)
        segments.append(segment)
        present = [(i, values[i]) for i in range(start, end) if values[i] is not None]
        signals = _signals(present, segment)
        points.extend(
            XmrPoint(
                index=i,
                value=values[i],
                centre=segment.centre,
                lower=segment.lower,
                upper=segment.upper,
                provisional=segment.provisional,
                signals=frozenset(signals.get(i, ())),
            )
            for i in range(start, end)
        )
    return XmrChart(tuple(points), tuple(segments))


def _checked_index(index: int) -> int:
    if index < 0:
        raise ValueError(f"rebase index must be non-negative, got {index}")
    return index


def _segment(
    values: Sequence[float | None], start: int, end: int, baseline_points: int
) -> XmrSegment:
    present = [value for value in values[start:end] if value is not None]
    baseline = present[:baseline_points]
    if not baseline:
        return XmrSegment(start, end, None, None, True)
    centre = math.fsum(baseline) / len(baseline)
    ranges = [abs(b - a) for a, b in zip(baseline, baseline[1:], strict=False)]
    mean_range = math.fsum(ranges) / len(ranges) if ranges else None
    return XmrSegment(start, end, centre, mean_range, len(present) < baseline_points)


def _signals(present: list[tuple[int, float]], segment: XmrSegment) -> dict[int, set[Signal]]:
    found: dict[int, set[Signal]] = {}

    def mark(indices: Iterable[int], signal: Signal) -> None:
        for index in indices:
            found.setdefault(index, set()).add(signal)

    centre, lower, upper = segment.centre, segment.lower, segment.upper
    if centre is None:
        return found
    indices = [index for index, _ in present]
    if lower is not None and upper is not None:
        mark((i for i, value in present if value > upper or value < lower), Signal.BEYOND_LIMIT)
    # Points exactly on the centre belong to neither side, so they end a shift.
    sides = [_sign(value - centre) for _, value in present]
    mark(_long_runs(indices, sides), Signal.SHIFT)
    # Directions between neighbours; a run of k equal directions covers k + 1 points.
    steps = [_sign(b - a) for (_, a), (_, b) in zip(present, present[1:], strict=False)]
    mark(_long_runs(indices, steps, points_per_item_offset=1), Signal.TREND)
    if upper is not None and upper > centre:
        mark(_two_of_three(present, centre, (upper - centre) * 2.0 / 3.0), Signal.TWO_OF_THREE)
    return found


def _sign(difference: float) -> int:
    return (difference > 0) - (difference < 0)


def _long_runs(
    indices: list[int], directions: list[int], *, points_per_item_offset: int = 0
) -> list[int]:
    """Indices of points in maximal runs of one non-zero direction covering RUN_LENGTH points.

    For sides, item k is point k; for steps, item k joins points k and k + 1 (offset 1)."""
    marked: list[int] = []
    run_start = 0
    for k in range(1, len(directions) + 1):
        if k < len(directions) and directions[k] == directions[run_start]:
            continue
        run_points = k - run_start + points_per_item_offset
        if directions[run_start] != 0 and run_points >= RUN_LENGTH:
            marked.extend(indices[run_start : k + points_per_item_offset])
        run_start = k
    return marked


def _two_of_three(present: list[tuple[int, float]], centre: float, band: float) -> set[int]:
    marked: set[int] = set()
    for k in range(len(present) - 2):
        window = present[k : k + 3]
        for beyond in (
            [i for i, value in window if value > centre + band],
            [i for i, value in window if value < centre - band],
        ):
            if len(beyond) >= 2:
                marked.update(beyond)
    return marked


def limits_split_index(period_starts: Sequence[dt.date], on: dt.date) -> int | None:
    """Where the limits split for a change on ``on``: the first period starting on or after it
    (the period the change fell in still belongs to the old process). None when no period does,
    or when the first one does (nothing before it to split from)."""
    index = next((k for k, start in enumerate(period_starts) if start >= on), None)
    return None if index in (None, 0) else index
