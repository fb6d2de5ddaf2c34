"""When a weekly value is worth an e-mail: new XmR signals and a detractor share crossing a line.

Pure (no Django): the alert service reads weekly sums from the rollups and asks these rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from analytics.stats.spc import Signal, XmrPoint, xmr_chart
from analytics.stats.summaries import Moments, Recommendation, mean_summary
from analytics.stats.suppression import breakdown_suppression, is_suppressed


def weekly_means(weeks: Sequence[Moments], *, min_group_size: int) -> list[float | None]:
    """The weekly values as the dashboard's trend chart shows them: a week under min_group_size
    is hidden, and so is the next-smallest (complementary suppression), leaving gaps."""
    hidden = breakdown_suppression(
        {index: moments.n for index, moments in enumerate(weeks)}, min_group_size=min_group_size
    )
    return [
        None if index in hidden else mean_summary(moments).mean
        for index, moments in enumerate(weeks)
    ]


def spc_signals_new_at_last_week(
    weeks: Sequence[Moments],
    *,
    window: int,
    min_group_size: int,
    rebase_at: Iterable[int] = (),
) -> frozenset[Signal]:
    """Signals that first appear on the last of ``weeks`` (``window`` + 1 weeks, oldest first).

    The chart judged is the last ``window`` weeks, as the dashboard link shows it. A point beyond
    a limit is always new. A shift, trend or 2-of-3 is new only if the week before did not carry
    it on last week's chart (the window one week earlier): such a run marks every point in it
    once it is long enough, and goes on for weeks, but is one signal, so one e-mail.

    ``rebase_at``: indices into ``weeks`` where a known change (an intervention) starts new
    limits, as the dashboard's chart splits there.
    """
    if len(weeks) != window + 1:
        raise ValueError(f"expected {window + 1} weeks, got {len(weeks)}")
    splits = sorted(set(rebase_at))
    current = _last_present(
        weeks[1:],
        min_group_size=min_group_size,
        must_be_last=True,
        rebase_at=[index - 1 for index in splits if index >= 1],
    )
    if current is None:
        return frozenset()
    before = _last_present(
        weeks[:-1],
        min_group_size=min_group_size,
        must_be_last=False,
        rebase_at=[index for index in splits if index < window],
    )
    carried = before.signals if before is not None else frozenset()
    return frozenset(
        signal
        for signal in current.signals
        if signal is Signal.BEYOND_LIMIT or signal not in carried
    )


def _last_present(
    weeks: Sequence[Moments], *, min_group_size: int, must_be_last: bool, rebase_at: list[int]
) -> XmrPoint | None:
    chart = xmr_chart(weekly_means(weeks, min_group_size=min_group_size), rebase_at=rebase_at)
    present = [point for point in chart.points if point.value is not None]
    if not present or (must_be_last and present[-1].index != len(weeks) - 1):
        return None
    return present[-1]


def detractor_share(week: Recommendation, *, min_group_size: int) -> float | None:
    """Detractors (0-6) of valid answers; None below min_group_size (never judged or shown)."""
    if week.n == 0 or is_suppressed(week.n, min_group_size=min_group_size):
        return None
    return week.detractors / week.n


def detractor_share_crossed(
    week: Recommendation, week_before: Recommendation, *, threshold: float, min_group_size: int
) -> bool:
    """The week's detractor share is at or above ``threshold`` and the week before's was not
    (below it, or too few answers to judge): crossing the line is one signal, staying over it
    is not a new one."""
    share = detractor_share(week, min_group_size=min_group_size)
    if share is None or share < threshold:
        return False
    before = detractor_share(week_before, min_group_size=min_group_size)
    return before is None or before < threshold
