"""Reads for the wellbeing pages: per-round sufficient statistics, summed in the database.

Staff scores are never read row by row: each (round, dimension) comes back as n, sum and sum of
squares of the 0-100 scores, exactly what a rollup row holds, so a round's mean and interval are
computed from the same kind of numbers as the patients' dashboard.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db.models import Count, F, Sum

from analytics.rollups.selectors import RollupFilter, dimension_totals
from analytics.stats import Moments
from feedback.models import DimensionScore, PulseRound, Response

# The patient instrument's dimensions shown beside the staff pulse.
PATIENT_DIMENSIONS = ("empathy", "trust")


def pulse_rounds_of_clinics(
    clinic_ids: Iterable[int], *, opened_by: dt.date | None = None
) -> list[PulseRound]:
    """The clinics' rounds (those opened by ``opened_by``, if given), oldest first: the order
    changes from one round to the next are taken in."""
    rounds = PulseRound.objects.filter(clinic_id__in=list(clinic_ids))
    if opened_by is not None:
        rounds = rounds.filter(opens_on__lte=opened_by)
    return list(
        rounds.select_related("clinic", "instrument").order_by("clinic_id", "opens_on", "pk")
    )


def pulse_round_respondents(round_ids: Sequence[int]) -> dict[int, int]:
    """Staff responses per round (a count, never the rows)."""
    rows = (
        Response.objects.filter(pulse_round_id__in=list(round_ids))
        .values("pulse_round_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["pulse_round_id"]: row["n"] for row in rows}


def pulse_round_moments(round_ids: Sequence[int]) -> dict[int, dict[str, Moments]]:
    """{round id: {dimension: Moments of its 0-100 scores}}, one GROUP BY in the database."""
    rows = (
        DimensionScore.objects.filter(response__pulse_round_id__in=list(round_ids))
        .values("response__pulse_round_id", "dimension")
        .annotate(n=Count("pk"), total=Sum("score"), total_sq=Sum(F("score") * F("score")))
        .order_by()
    )
    moments: dict[int, dict[str, Moments]] = defaultdict(dict)
    for row in rows:
        moments[row["response__pulse_round_id"]][row["dimension"]] = Moments(
            row["n"], row["total"] or 0.0, row["total_sq"] or 0.0
        )
    return dict(moments)


def patient_moments_for_round(pulse_round: PulseRound) -> dict[str, Moments]:
    """Patients' empathy and trust at the round's clinic over opens_on..closes_on (rollups)."""
    where = RollupFilter(
        clinic_ids=[pulse_round.clinic_id], since=pulse_round.opens_on, until=pulse_round.closes_on
    )
    return {
        row["dimension"]: Moments(row["n"], row["score_sum"], row["score_sumsq"])
        for row in dimension_totals(where=where)
        if row["dimension"] in PATIENT_DIMENSIONS
    }


def pulse_round_role_groups(
    round_ids: Sequence[int], *, dimension: str
) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, Moments]]]:
    """Per round and role group ("" = not kept): respondents, and the moments of ``dimension``.

    Two GROUP BY queries; the pages decide (breakdown_suppression) which groups may be shown.
    """
    sizes: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Response.objects.filter(pulse_round_id__in=list(round_ids))
        .values("pulse_round_id", "role_group")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        sizes[row["pulse_round_id"]][row["role_group"]] = row["n"]
    moments: dict[int, dict[str, Moments]] = defaultdict(dict)
    for row in (
        DimensionScore.objects.filter(
            response__pulse_round_id__in=list(round_ids), dimension=dimension
        )
        .values("response__pulse_round_id", "response__role_group")
        .annotate(n=Count("pk"), total=Sum("score"), total_sq=Sum(F("score") * F("score")))
        .order_by()
    ):
        moments[row["response__pulse_round_id"]][row["response__role_group"]] = Moments(
            row["n"], row["total"] or 0.0, row["total_sq"] or 0.0
        )
    return dict(sizes), dict(moments)
