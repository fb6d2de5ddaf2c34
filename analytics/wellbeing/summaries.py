"""Round and clinic summaries of the staff pulse, with suppression applied (pure: no Django).

A round with fewer than the staff threshold of respondents shows nothing but that fact; a
dimension answered by fewer than the threshold within a shown round is hidden on its own. The
change from the previous round is only given when both rounds' values are shown, since a change
and one visible value give away the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from analytics.stats import (
    MeanSummary,
    Moments,
    SuppressionReason,
    breakdown_suppression,
    is_suppressed,
    mean_summary,
)


@dataclass(frozen=True)
class RoundFacts:
    """What the database says about one round: its dates, respondents and score sums."""

    round_id: int
    opens_on: dt.date
    closes_on: dt.date
    respondents: int
    staff: Mapping[str, Moments]  # wellbeing dimension -> moments of 0-100 scores
    patients: Mapping[str, Moments]  # patient dimension -> moments over the round's dates
    # Role group ("" = not kept) -> respondents, and the moments of the headline dimension.
    group_sizes: Mapping[str, int] = field(default_factory=dict)
    group_moments: Mapping[str, Moments] = field(default_factory=dict)


@dataclass(frozen=True)
class Cell:
    """One dimension in one round: its summary, or why it is hidden."""

    dimension: str
    summary: MeanSummary | None
    change: float | None  # from the previous round; None when either side is hidden
    hidden: SuppressionReason | None


@dataclass(frozen=True)
class GroupCell:
    """The headline dimension for one role group of a round, or why it is hidden."""

    group: str  # "" = the answers whose group was not kept
    n: int | None
    summary: MeanSummary | None
    hidden: SuppressionReason | None


def role_group_breakdown(
    sizes: Mapping[str, int], moments: Mapping[str, Moments], *, min_group_size: int
) -> tuple[GroupCell, ...]:
    """The round's role groups, named ones first, with small groups hidden together with their
    complementary cell (the round's total is shown). Empty when no named group can be shown."""
    hidden = breakdown_suppression(sizes, min_group_size=min_group_size)
    if all(group == "" or group in hidden for group in sizes):
        return ()
    cells = []
    for group in sorted(sizes, key=lambda g: (g == "", g.casefold())):
        if group in hidden:
            cells.append(GroupCell(group, None, None, hidden[group]))
        else:
            summary = mean_summary(moments.get(group, Moments()))
            cells.append(GroupCell(group, sizes[group], summary, None))
    return tuple(cells)


@dataclass(frozen=True)
class RoundSummary:
    round_id: int
    opens_on: dt.date
    closes_on: dt.date
    respondents: int | None  # None: fewer than the threshold (only the band is shown)
    staff: tuple[Cell, ...]
    patients: tuple[Cell, ...]
    groups: tuple[GroupCell, ...] = ()  # the headline dimension by role group, if shown

    @property
    def shown(self) -> bool:
        return self.respondents is not None


def _cells(
    moments: Mapping[str, Moments],
    dimensions: Sequence[str],
    *,
    previous: Mapping[str, Cell],
    min_group_size: int,
    whole_round_hidden: bool = False,
) -> tuple[Cell, ...]:
    cells = []
    for dimension in dimensions:
        m = moments.get(dimension, Moments())
        if whole_round_hidden or is_suppressed(m.n, min_group_size=min_group_size):
            cells.append(Cell(dimension, None, None, SuppressionReason.SMALL_GROUP))
            continue
        summary = mean_summary(m)
        before = previous.get(dimension)
        change = (
            summary.mean - before.summary.mean
            if before is not None and before.summary is not None
            else None
        )
        cells.append(Cell(dimension, summary, change, None))
    return tuple(cells)


def round_summaries(
    rounds: Sequence[RoundFacts],
    *,
    staff_dimensions: Sequence[str],
    patient_dimensions: Sequence[str],
    staff_min_group_size: int,
    patient_min_group_size: int,
) -> list[RoundSummary]:
    """One clinic's rounds, oldest first, each compared with the round before it."""
    summaries: list[RoundSummary] = []
    previous_staff: dict[str, Cell] = {}
    previous_patients: dict[str, Cell] = {}
    for facts in sorted(rounds, key=lambda r: (r.opens_on, r.round_id)):
        hidden = is_suppressed(facts.respondents, min_group_size=staff_min_group_size)
        staff = _cells(
            facts.staff,
            staff_dimensions,
            previous=previous_staff,
            min_group_size=staff_min_group_size,
            whole_round_hidden=hidden,
        )
        patients = _cells(
            facts.patients,
            patient_dimensions,
            previous=previous_patients,
            min_group_size=patient_min_group_size,
        )
        summaries.append(
            RoundSummary(
                facts.round_id,
                facts.opens_on,
                facts.closes_on,
                None if hidden else facts.respondents,
                staff,
                patients,
                ()
                if hidden
                else role_group_breakdown(
                    facts.group_sizes,
                    facts.group_moments,
                    min_group_size=staff_min_group_size,
                ),
            )
        )
        previous_staff = {cell.dimension: cell for cell in staff}
        previous_patients = {cell.dimension: cell for cell in patients}
    return summaries


@dataclass(frozen=True)
class ClinicPoint:
    """One clinic on the cross-clinic scatter."""

    clinic_id: int
    name: str
    staff: MeanSummary  # the headline wellbeing dimension (burnout, higher = less)
    patients: MeanSummary  # patients' empathy over the same round's dates


@dataclass(frozen=True)
class ClinicLeftOut:
    clinic_id: int
    name: str
    reason: SuppressionReason
    staff_too_few: bool  # else the patients were too few


@dataclass(frozen=True)
class ClinicScatter:
    points: tuple[ClinicPoint, ...]
    left_out: tuple[ClinicLeftOut, ...]
    organisation: MeanSummary | None  # all clinics' staff together; None under the threshold


def clinic_scatter(
    clinics: Sequence[tuple[int, str, Moments, Moments]],
    *,
    staff_min_group_size: int,
    patient_min_group_size: int,
) -> ClinicScatter:
    """(clinic id, name, staff moments, patient moments) -> the points that may be shown.

    The organisation's staff value is shown beside the clinics, so the clinics are a breakdown
    of it: a clinic with too few staff respondents is hidden with its complementary cell.
    Clinics with too few patients are left out too (no comparison without patients).
    """
    staff_hidden = breakdown_suppression(
        {clinic_id: staff.n for clinic_id, _, staff, _ in clinics},
        min_group_size=staff_min_group_size,
    )
    points, left_out = [], []
    for clinic_id, name, staff, patients in clinics:
        if clinic_id in staff_hidden:
            left_out.append(ClinicLeftOut(clinic_id, name, staff_hidden[clinic_id], True))
        elif is_suppressed(patients.n, min_group_size=patient_min_group_size):
            left_out.append(ClinicLeftOut(clinic_id, name, SuppressionReason.SMALL_GROUP, False))
        else:
            points.append(ClinicPoint(clinic_id, name, mean_summary(staff), mean_summary(patients)))
    everyone = Moments.merged(staff for _, _, staff, _ in clinics)
    organisation = (
        None
        if is_suppressed(everyone.n, min_group_size=staff_min_group_size)
        else mean_summary(everyone)
    )
    return ClinicScatter(tuple(points), tuple(left_out), organisation)
