"""Headline tiles: each figure with its 95% interval and its change against the previous period.

No database: only Django's translation and number formatting, so a tile reads in the page's
language (decimal comma in Spanish). A figure from fewer than min_group_size responses is never
shown, and neither is a change computed from one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from analytics.charts.figure_style import hidden_note
from analytics.stats import (
    Moments,
    Proportion,
    Recommendation,
    SuppressionReason,
    is_suppressed,
    mean_summary,
    nps_summary,
    wilson_interval,
)
from analytics.stats.changes import (
    ChangeVerdict,
    Difference,
    mean_difference,
    nps_difference,
    proportion_difference,
)


@dataclass(frozen=True)
class Tile:
    key: str  # "empathy", ..., "positive-<dimension>", "nps", "responses", "response_rate"
    label: str
    value: str | None  # formatted for reading; None when hidden
    interval: str | None  # "95% CI 68.1 to 77.6"
    change: str | None  # "+2.3 vs the previous 90 days"
    note: str  # why a value or a change is not shown ("" when all is shown)
    n: int | None  # respondents behind the value; None when hidden
    # Whether the change's 95% interval excludes zero; None when no change is shown, or for a
    # count (responses), which is not an estimate from a sample.
    verdict: ChangeVerdict | None = None
    n_label: str = ""  # what n counts, e.g. "invitations answered", in the page's language

    @property
    def verdict_text(self) -> str:
        """Said in words as well as by colour, so the cue never rests on colour alone."""
        if self.verdict is None:
            return ""
        return {
            ChangeVerdict.HIGHER: gettext("↑ higher, beyond chance"),
            ChangeVerdict.LOWER: gettext("↓ lower, beyond chance"),
            ChangeVerdict.UNCLEAR: gettext("no clear change"),
        }[self.verdict]


def _number(value: float, digits: int = 1, *, signed: bool = False) -> str:
    """Rounded and written as the page's language writes numbers (72.3, or 72,3 in Spanish)."""
    rounded = round(value, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    shown = number_format(abs(rounded), decimal_pos=digits, force_grouping=True)
    sign = "-" if rounded < 0 else ("+" if signed else "")
    return sign + shown


def _interval(lower: str, upper: str) -> str:
    return gettext("95%% CI %(lower)s to %(upper)s") % {"lower": lower, "upper": upper}


def _hidden(key: str, label: str, min_group_size: int) -> Tile:
    note = hidden_note(SuppressionReason.SMALL_GROUP, min_group_size=min_group_size)
    return Tile(key, label, None, None, None, note, None)


def _versus(change: str, *, days: int) -> str:
    return ngettext(
        "%(change)s vs the previous %(days)d day", "%(change)s vs the previous %(days)d days", days
    ) % {"change": change, "days": days}


def _change(
    difference: float | None,
    previous_n: int,
    *,
    days: int,
    min_group_size: int,
    points: bool = False,
) -> tuple[str | None, str]:
    if is_suppressed(previous_n, min_group_size=min_group_size) or difference is None:
        note = ngettext(
            "No change shown: fewer than %(n)d response before",
            "No change shown: fewer than %(n)d responses before",
            min_group_size,
        ) % {"n": min_group_size}
        return None, note
    change = _number(difference, signed=True)
    if points:  # percentage points
        change = gettext("%(change)s points") % {"change": change}
    return _versus(change, days=days), ""


def _verdict(difference: Difference | None, change: str | None) -> ChangeVerdict | None:
    """Only a change that is shown carries a verdict."""
    return None if change is None or difference is None else difference.verdict


def dimension_tile(
    *, key: str, label: str, current: Moments, previous: Moments, days: int, min_group_size: int
) -> Tile:
    """Mean 0-100 score with its t-interval; change = difference of the two periods' means."""
    if is_suppressed(current.n, min_group_size=min_group_size):
        return _hidden(key, label, min_group_size)
    summary = mean_summary(current)
    interval = (
        None if summary.lower is None else _interval(_number(summary.lower), _number(summary.upper))
    )
    difference = None if previous.mean is None else summary.mean - previous.mean
    change, note = _change(difference, previous.n, days=days, min_group_size=min_group_size)
    verdict = _verdict(mean_difference(current, previous), change)
    n_label = gettext("responses")
    return Tile(
        key, label, _number(summary.mean), interval, change, note, current.n, verdict, n_label
    )


def nps_tile(
    *,
    label: str,
    current: Recommendation,
    previous: Recommendation,
    days: int,
    min_group_size: int,
) -> Tile:
    """NPS in [-100, 100], whole points as is customary, with its 95% Wald interval."""
    if is_suppressed(current.n, min_group_size=min_group_size):
        return _hidden("nps", label, min_group_size)
    summary = nps_summary(current)
    previous_nps = nps_summary(previous).nps
    interval = (
        None
        if summary.lower is None
        else _interval(
            _number(summary.lower, 0, signed=True), _number(summary.upper, 0, signed=True)
        )
    )
    difference = None if previous_nps is None else summary.nps - previous_nps
    change, note = _change(difference, previous.n, days=days, min_group_size=min_group_size)
    value = _number(summary.nps, 0, signed=True)
    verdict = _verdict(nps_difference(current, previous), change)
    n_label = gettext("answers")
    return Tile("nps", label, value, interval, change, note, current.n, verdict, n_label)


def percent_positive_tile(
    *,
    key: str,
    label: str,
    current: Proportion,
    previous: Proportion,
    days: int,
    min_group_size: int,
) -> Tile:
    """Positive answers of all responses ("don't know" included) with the Wilson interval;
    change in percentage points."""
    if is_suppressed(current.n, min_group_size=min_group_size):
        return _hidden(key, label, min_group_size)
    summary = wilson_interval(current)
    interval = _interval(f"{_number(100 * summary.lower)}%", f"{_number(100 * summary.upper)}%")
    difference = None if previous.value is None else 100.0 * (summary.value - previous.value)
    change, note = _change(
        difference, previous.n, days=days, min_group_size=min_group_size, points=True
    )
    verdict = _verdict(proportion_difference(current, previous), change)
    value = f"{_number(100 * summary.value)}%"
    n_label = gettext("responses")
    return Tile(key, label, value, interval, change, note, current.n, verdict, n_label)


def responses_tile(*, current: int, previous: int, days: int, min_group_size: int) -> Tile:
    label = gettext("Responses")
    if is_suppressed(current, min_group_size=min_group_size):
        return _hidden("responses", label, min_group_size)
    if is_suppressed(previous, min_group_size=min_group_size):
        change, note = _change(None, previous, days=days, min_group_size=min_group_size)
    else:
        relative = 100.0 * (current - previous) / previous
        change = _versus(
            f"{_number(current - previous, 0, signed=True)} ({_number(relative, 0, signed=True)}%)",
            days=days,
        )
        note = ""
    # Counts every survey, not only those that answer an invitation (the response rate's n).
    n_label = gettext("surveys completed, invited or not (e-mail, text, kiosk, QR code)")
    return Tile("responses", label, _number(current, 0), None, change, note, current, None, n_label)


def response_rate_tile(
    *, current: Proportion, previous: Proportion, days: int, min_group_size: int
) -> Tile:
    """Invitations answered / sent with its Wilson interval; hidden below min_group_size answers."""
    label = gettext("Response rate")
    if is_suppressed(current.count, min_group_size=min_group_size):
        tile = _hidden("response_rate", label, min_group_size)
        if current.n == 0:
            return Tile(tile.key, label, None, None, None, gettext("No invitations sent"), None)
        return tile
    summary = wilson_interval(current)
    interval = _interval(f"{_number(100 * summary.lower)}%", f"{_number(100 * summary.upper)}%")
    difference = None if previous.value is None else 100.0 * (summary.value - previous.value)
    change, note = _change(
        difference, previous.count, days=days, min_group_size=min_group_size, points=True
    )
    value = f"{_number(100 * summary.value)}%"
    verdict = _verdict(proportion_difference(current, previous), change)
    n_label = ngettext(
        "of %(sent)s invitation answered", "of %(sent)s invitations answered", current.n
    ) % {"sent": _number(current.n, 0)}
    return Tile(
        "response_rate", label, value, interval, change, note, current.count, verdict, n_label
    )
