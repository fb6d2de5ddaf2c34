"""Did it work? Each intervention's before/after comparison per dimension, from daily rollups.

The windows' sums (n, sum, sum of squares) are added up in SQL: one UNION ALL query for the
before/after totals of every intervention asked for, one for their weekly points (for the SPC
signals after the intervention). Python only turns those sums into means and intervals
(analytics.stats.effects) and runs the XmR chart on a few dozen weekly means.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import CharField, DateField, IntegerField, Q, Sum, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import get_language

from analytics.interventions.models import Intervention
from analytics.models import DimensionClinicDayRollup, DimensionDayRollup
from analytics.rollups.selectors import summed_rows
from analytics.stats import Moments, is_suppressed
from analytics.stats.effects import BeforeAfter, before_after, difference_in_differences
from analytics.stats.spc import Signal, xmr_chart
from feedback.models import Clinic, Instrument, Provider
from feedback.services import instrument_current, instrument_definition, instrument_slug_of
from feedback.texts import text_in

SUMS = {name: Sum(name) for name in ("n", "score_sum", "score_sumsq")}
COVERED, COMPARISON, NO_PROVIDER = "covered", "comparison", "none"
BEFORE, AFTER = "before", "after"


@dataclass(frozen=True)
class EffectWindows:
    before: tuple[dt.date, dt.date]  # inclusive
    after: tuple[dt.date, dt.date]

    @classmethod
    def around(cls, intervention: Intervention, *, days: int) -> EffectWindows:
        """``days`` days before the start and after the last day; the period itself left out."""
        start, last = intervention.start_date, intervention.last_day
        return cls(
            (start - dt.timedelta(days=days), start - dt.timedelta(days=1)),
            (last + dt.timedelta(days=1), last + dt.timedelta(days=days)),
        )


@dataclass(frozen=True)
class DimensionEffect:
    dimension: str
    label: str
    covered: BeforeAfter  # the clinic, or the providers the intervention covered
    comparison: BeforeAfter | None  # the clinic's other providers; None when there are none
    difference_in_differences: float | None  # descriptive only
    signals_after: tuple[Signal, ...] | None  # None: too few weekly points to tell


@dataclass(frozen=True)
class InterventionEffect:
    intervention_id: int
    clinic_id: int
    clinic_name: str
    title: str
    kind: str  # Intervention.Kind value
    kind_label: str
    start_date: dt.date
    end_date: dt.date | None
    provider_names: tuple[str, ...]  # empty: the whole clinic
    windows: EffectWindows
    after_complete: bool  # False while the after window has not ended yet
    dimensions: tuple[DimensionEffect, ...]

    @property
    def covers_whole_clinic(self) -> bool:
        return not self.provider_names


def intervention_effects(
    *,
    clinic_ids: Sequence[int],
    period_start: dt.date,
    period_end: dt.date,
    window_days: int | None = None,
    min_group_size: int | None = None,
    today: dt.date | None = None,
) -> list[InterventionEffect]:
    """The effects of the interventions of these clinics whose period overlaps
    period_start..period_end (newest first). The caller has checked the user may see the clinics.

    Stable entry point for other pages (the leadership report calls it for its month).
    """
    interventions = Intervention.objects.filter(
        Q(end_date__gte=period_start) | Q(end_date__isnull=True, start_date__gte=period_start),
        clinic_id__in=list(clinic_ids),
        start_date__lte=period_end,
    )
    return effects_of(
        interventions, window_days=window_days, min_group_size=min_group_size, today=today
    )


def effects_of(
    interventions,
    *,
    window_days: int | None = None,
    min_group_size: int | None = None,
    today: dt.date | None = None,
) -> list[InterventionEffect]:
    """The effect of each intervention given (a queryset or list), in their order."""
    window_days = window_days or settings.INTERVENTION_WINDOW_DAYS
    min_group_size = settings.MIN_GROUP_SIZE if min_group_size is None else min_group_size
    today = today or timezone.localdate()
    interventions = list(
        interventions.select_related("clinic").prefetch_related("providers")
        if hasattr(interventions, "select_related")
        else interventions
    )
    if not interventions:
        return []
    windows = {i.pk: EffectWindows.around(i, days=window_days) for i in interventions}
    covered = {i.pk: sorted(p.pk for p in i.providers.all()) for i in interventions}
    clinic_ids = {i.clinic_id for i in interventions}
    providers_of: dict[int, set[int]] = defaultdict(set)
    for clinic_id, provider_id in Provider.objects.filter(clinic_id__in=clinic_ids).values_list(
        "clinic_id", "pk"
    ):
        providers_of[clinic_id].add(provider_id)
    totals = _window_totals(interventions, windows, covered)
    weekly = _weekly_points(interventions, windows, covered)
    dimensions = _dimensions_by_clinic([i.clinic for i in interventions])

    effects = []
    for intervention in interventions:
        has_comparison = bool(covered[intervention.pk]) and bool(
            providers_of[intervention.clinic_id] - set(covered[intervention.pk])
        )
        rows = []
        for dimension, label in dimensions[intervention.clinic_id]:

            def sums(cohort: str, side: str, *, _key=(intervention.pk, dimension)) -> Moments:
                return totals.get((_key[0], side, cohort, _key[1]), Moments())

            mine = before_after(
                sums(COVERED, BEFORE), sums(COVERED, AFTER), min_group_size=min_group_size
            )
            others = (
                before_after(
                    sums(COMPARISON, BEFORE),
                    sums(COMPARISON, AFTER),
                    min_group_size=min_group_size,
                )
                if has_comparison
                else None
            )
            rows.append(
                DimensionEffect(
                    dimension=dimension,
                    label=label,
                    covered=mine,
                    comparison=others,
                    difference_in_differences=(
                        None if others is None else difference_in_differences(mine, others)
                    ),
                    signals_after=_signals_after(
                        weekly.get((intervention.pk, dimension), {}), min_group_size
                    ),
                )
            )
        effects.append(
            InterventionEffect(
                intervention_id=intervention.pk,
                clinic_id=intervention.clinic_id,
                clinic_name=intervention.clinic.name,
                title=intervention.title,
                kind=intervention.kind,
                kind_label=str(intervention.get_kind_display()),
                start_date=intervention.start_date,
                end_date=intervention.end_date,
                provider_names=tuple(p.display_name for p in intervention.providers.all()),
                windows=windows[intervention.pk],
                after_complete=windows[intervention.pk].after[1] < today,
                dimensions=tuple(rows),
            )
        )
    return effects


def _rows_around(intervention: Intervention, windows: EffectWindows, covered: list[int]):
    """The daily rollup rows of both windows: per provider when some are covered, else the
    clinic-day rows (no provider split needed)."""
    model = DimensionDayRollup if covered else DimensionClinicDayRollup
    return (
        model.objects.filter(
            clinic_id=intervention.clinic_id,
            local_date__range=(windows.before[0], windows.after[1]),
        )
        .exclude(local_date__range=(intervention.start_date, intervention.last_day))
        .annotate(
            intervention=Value(intervention.pk, output_field=IntegerField()),
            side=Case(
                When(local_date__lt=intervention.start_date, then=Value(BEFORE)),
                default=Value(AFTER),
                output_field=CharField(),
            ),
        )
    )


def _cohort(covered: list[int]):
    if not covered:
        return Value(COVERED, output_field=CharField())
    return Case(
        When(provider_id__in=covered, then=Value(COVERED)),
        When(provider__isnull=True, then=Value(NO_PROVIDER)),
        default=Value(COMPARISON),
        output_field=CharField(),
    )


def _window_totals(
    interventions: list[Intervention],
    windows: dict[int, EffectWindows],
    covered: dict[int, list[int]],
) -> dict[tuple[int, str, str, str], Moments]:
    """(intervention, side, cohort, dimension) -> summed moments, in one query."""
    parts = [
        _rows_around(i, windows[i.pk], covered[i.pk]).annotate(cohort=_cohort(covered[i.pk]))
        for i in interventions
    ]
    rows = summed_rows(parts, keys=("intervention", "side", "cohort", "dimension"), sums=SUMS)
    return {
        (r["intervention"], r["side"], r["cohort"], r["dimension"]): Moments(
            r["n"], r["score_sum"], r["score_sumsq"]
        )
        for r in rows
    }


def _weekly_points(
    interventions: list[Intervention],
    windows: dict[int, EffectWindows],
    covered: dict[int, list[int]],
) -> dict[tuple[int, str], dict[tuple[str, dt.date], Moments]]:
    """Weekly sums of the covered group on each side, in one query."""
    parts = []
    for i in interventions:
        rows = _rows_around(i, windows[i.pk], covered[i.pk])
        if covered[i.pk]:
            rows = rows.filter(provider_id__in=covered[i.pk])
        parts.append(rows.annotate(week=Trunc("local_date", "week", output_field=DateField())))
    found: dict[tuple[int, str], dict[tuple[str, dt.date], Moments]] = defaultdict(dict)
    for r in summed_rows(parts, keys=("intervention", "side", "week", "dimension"), sums=SUMS):
        found[(r["intervention"], r["dimension"])][(r["side"], r["week"])] = Moments(
            r["n"], r["score_sum"], r["score_sumsq"]
        )
    return found


def _signals_after(
    points: dict[tuple[str, dt.date], Moments], min_group_size: int
) -> tuple[Signal, ...] | None:
    """Signals on the weekly points after the intervention, judged against limits computed from
    the weeks before it only (as Making Data Count reads a change). Small weeks are gaps."""
    ordered = sorted(points, key=lambda key: (key[0] != BEFORE, key[1]))
    values = [
        None if is_suppressed(points[key].n, min_group_size=min_group_size) else points[key].mean
        for key in ordered
    ]
    baseline = sum(
        1 for key, v in zip(ordered, values, strict=True) if key[0] == BEFORE and v is not None
    )
    after = [k for k, key in enumerate(ordered) if key[0] == AFTER and values[k] is not None]
    if baseline < 2 or not after:
        return None
    chart = xmr_chart(values, baseline_points=baseline)
    found = set().union(*(chart.points[k].signals for k in after))
    return tuple(signal for signal in Signal if signal in found)


def _dimensions_by_clinic(clinics: list[Clinic]) -> dict[int, list[tuple[str, str]]]:
    """Each clinic's mean-scored dimensions (id, label in the reader's language)."""
    language = get_language() or "en"
    found = {}
    for clinic in {c.pk: c for c in clinics}.values():
        try:
            definition = instrument_definition(instrument_current(instrument_slug_of(clinic)))
        except Instrument.DoesNotExist:
            found[clinic.pk] = []
            continue
        found[clinic.pk] = [
            (d.id, text_in(d.label, language)) for d in definition.mean_scored_dimensions
        ]
    return found
