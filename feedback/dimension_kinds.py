"""The kinds of dimension an instrument can declare, and the rules that come with them.

No Django import. A kind decides how a dimension is scored, rolled up and shown; code asks a
dimension (``is_recommend``, ``is_percent_positive``...) rather than comparing kind names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_REASON = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class DimensionKind(StrEnum):
    """How a dimension is scored and shown; the only place a kind's name is spelled."""

    LIKERT = "likert"  # mean of its items on a 0-100 scale
    NPS = "nps"  # one 0-10 likelihood-to-recommend item: promoters minus detractors
    # One item whose declared positive answers count; % positive of all responses, "don't
    # know" ("does not apply") included in the denominator (Friends and Family Test style).
    PERCENT_POSITIVE = "percent_positive"


# The follow-up reason a likelihood-to-recommend dimension opens by default.
DETRACTOR_COMMENT_REASON = "detractor_comment"


@dataclass(frozen=True)
class FollowUpRule:
    """When a response's score on a dimension asks a manager to follow it up, and why."""

    reason: str  # stored on the follow-up, e.g. "low_empathy"
    below: float | None = None  # a 0-100 score below this opens one
    detractors_with_comment: bool = False  # NPS: a detractor who also wrote something


def follow_up_rule_parse(
    spec: dict, *, dim_id: str, kind: DimensionKind, where: str, problems: list[str]
) -> FollowUpRule | None:
    """The dimension's follow-up rule; an NPS dimension asks about detractors who wrote
    something unless its definition says otherwise."""
    raw = spec.get("follow_up")
    if raw is None:
        if kind == DimensionKind.NPS:
            return FollowUpRule(DETRACTOR_COMMENT_REASON, detractors_with_comment=True)
        return None
    where = f"{where}.follow_up"
    if not isinstance(raw, dict) or set(raw) - {"below", "detractors_with_comment", "reason"}:
        problems.append(
            f"{where}: must be an object of 'below', 'detractors_with_comment' and 'reason'"
        )
        return None
    below = raw.get("below")
    if below is not None and (
        isinstance(below, bool) or not isinstance(below, int | float) or not 0 < below <= 100
    ):
        problems.append(f"{where}.below: must be a number above 0 and at most 100")
        below = None
    detractors = raw.get("detractors_with_comment", False)
    if not isinstance(detractors, bool):
        problems.append(f"{where}.detractors_with_comment: must be true or false")
        detractors = False
    if detractors and kind != DimensionKind.NPS:
        problems.append(f"{where}.detractors_with_comment: only for an 'nps' dimension")
    if below is not None and kind == DimensionKind.NPS:
        problems.append(f"{where}.below: not for an 'nps' dimension (use detractors_with_comment)")
    default_reason = DETRACTOR_COMMENT_REASON if detractors else f"low_{dim_id}"
    reason = raw.get("reason", default_reason)
    if not isinstance(reason, str) or not _REASON.match(reason):
        problems.append(f"{where}.reason: must be a short lower-case identifier, got {reason!r}")
    if below is None and not detractors:
        return None
    return FollowUpRule(reason, below=below, detractors_with_comment=detractors)


def positive_answers_parse(
    spec: dict, *, kind: DimensionKind, where: str, problems: list[str]
) -> frozenset[int]:
    raw = spec.get("positive")
    if kind != DimensionKind.PERCENT_POSITIVE:
        if raw is not None:
            problems.append(f"{where}.positive: only for a 'percent_positive' dimension")
        return frozenset()
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in raw)
    ):
        problems.append(f"{where}.positive: must list the answers that count as positive")
        return frozenset()
    return frozenset(raw)
