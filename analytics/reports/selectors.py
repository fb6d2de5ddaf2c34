"""The monthly leadership report as data: scores from rollups, signals, follow-ups, stories.

Scores come only from the rollups (summed in SQL); every figure on fewer than MIN_GROUP_SIZE
respondents is hidden, and a change is shown only when both months can be shown.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Q

from analytics.alerts.models import TrendAlert
from analytics.rollups.selectors import RollupFilter, dimension_totals, response_total
from analytics.rollups.sources import month_end
from analytics.stats import (
    MeanSummary,
    Moments,
    NpsSummary,
    Recommendation,
    is_suppressed,
    mean_summary,
    nps_summary,
)
from analytics.stats.mean_change import mean_change
from feedback.instrument_definition import InstrumentDefinition
from feedback.models import Clinic, FollowUp, Testimonial
from feedback.testimonials import PUBLIC_CONSENTS
from feedback.texts import text_in

STORIES_SHOWN = 3


@dataclass(frozen=True)
class ReportFigure:
    """One headline score of the month: mean (0-100) or NPS, its 95% interval, and its change."""

    key: str
    label: str
    n: int
    value: float | None  # None: hidden (fewer than min_group_size) or undefined
    lower: float | None
    upper: float | None
    previous: float | None  # last month's value, None when hidden
    change: float | None  # value - previous, only when both are shown
    is_nps: bool = False
    # The change's Welch 95% interval (means only; None for NPS or when not computable).
    change_lower: float | None = None
    change_upper: float | None = None


@dataclass(frozen=True)
class ReportAlert:
    clinic_name: str
    week: dt.date
    dimension: str
    kind: str
    value: float
    is_share: bool


@dataclass(frozen=True)
class MonthlyReport:
    title: str
    month: dt.date  # first day
    clinics: tuple[Clinic, ...]
    min_group_size: int
    responses: int | None  # None: hidden
    figures: tuple[ReportFigure, ...]
    alerts: tuple[ReportAlert, ...]
    follow_ups_opened: int
    follow_ups_handled: int
    stories_approved: int
    stories: tuple[str, ...]  # a few approved stories the patient let the clinic publish
    # Filled in by the features that own them (interventions, staff wellbeing): None shows
    # "none recorded".
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def month_end(self) -> dt.date:
        return month_end(self.month)


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def _shown_mean(moments: Moments, minimum: int) -> MeanSummary | None:
    return None if is_suppressed(moments.n, min_group_size=minimum) else mean_summary(moments)


def _shown_nps(recommendation: Recommendation, minimum: int) -> NpsSummary | None:
    if is_suppressed(recommendation.n, min_group_size=minimum):
        return None
    return nps_summary(recommendation)


def report_figures(
    *,
    current: dict[str, dict],
    previous: dict[str, dict],
    definition: InstrumentDefinition,
    language: str,
    min_group_size: int,
) -> list[ReportFigure]:
    """Each scored dimension's mean and each recommend dimension's NPS, from summed rows
    (dimension -> {"n", "score_sum", "score_sumsq", "promoters", "detractors"})."""
    empty = {"n": 0, "score_sum": 0.0, "score_sumsq": 0.0, "promoters": 0, "detractors": 0}
    figures = []
    for dimension in definition.mean_scored_dimensions:
        now_row, then_row = current.get(dimension.id, empty), previous.get(dimension.id, empty)
        now = Moments(now_row["n"], now_row["score_sum"], now_row["score_sumsq"])
        then = Moments(then_row["n"], then_row["score_sum"], then_row["score_sumsq"])
        figure = _figure(
            dimension.id,
            text_in(dimension.label, language),
            now_row["n"],
            _shown_mean(now, min_group_size),
            _shown_mean(then, min_group_size),
        )
        change = mean_change(then, now) if figure.change is not None else None
        if change is not None:
            figure = replace(figure, change_lower=change.lower, change_upper=change.upper)
        figures.append(figure)
    for dimension in definition.recommend_dimensions:
        now_row, then_row = current.get(dimension.id, empty), previous.get(dimension.id, empty)
        shown = _shown_nps(
            Recommendation(now_row["promoters"], now_row["detractors"], now_row["n"]),
            min_group_size,
        )
        before = _shown_nps(
            Recommendation(then_row["promoters"], then_row["detractors"], then_row["n"]),
            min_group_size,
        )
        figures.append(
            _figure(
                f"nps-{dimension.id}",
                text_in(dimension.label, language),
                now_row["n"],
                shown,
                before,
                is_nps=True,
            )
        )
    return figures


def _figure(key, label, n, shown, before, *, is_nps: bool = False) -> ReportFigure:
    def value_of(summary):
        if summary is None:
            return None
        return summary.nps if is_nps else summary.mean

    value, previous = value_of(shown), value_of(before)
    return ReportFigure(
        key=key,
        label=label,
        n=n,
        value=value,
        lower=None if shown is None else shown.lower,
        upper=None if shown is None else shown.upper,
        previous=previous,
        change=None if value is None or previous is None else value - previous,
        is_nps=is_nps,
    )


def _month_bounds(month: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(month, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(month_end(month) + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def monthly_report(
    *,
    clinics: Sequence[Clinic],
    month: dt.date,
    definition: InstrumentDefinition,
    language: str,
    min_group_size: int,
    title: str,
) -> MonthlyReport:
    """The report on ``clinics`` (one, or the organisation's) for the calendar month ``month``.

    Days are the clinics' local days (as the rollups count them); follow-ups and stories are
    counted by the time zone of the clinic, or UTC for several clinics."""
    ids = tuple(clinic.pk for clinic in clinics)
    this_month = RollupFilter(clinic_ids=ids, since=month, until=month_end(month))
    last = previous_month(month)
    last_month = RollupFilter(clinic_ids=ids, since=last, until=month_end(last))
    current = {row["dimension"]: row for row in dimension_totals(where=this_month)}
    previous = {row["dimension"]: row for row in dimension_totals(where=last_month)}
    responses = response_total(where=this_month)

    tz = clinics[0].tzinfo if len(clinics) == 1 else zoneinfo.ZoneInfo("UTC")
    start, end = _month_bounds(month, tz)
    follow_ups = FollowUp.objects.filter(clinic_id__in=ids).aggregate(
        opened=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        handled=Count("pk", filter=Q(handled_at__gte=start, handled_at__lt=end)),
    )
    approved = Testimonial.objects.filter(
        response__clinic_id__in=ids,
        status=Testimonial.Status.APPROVED,
        moderated_at__gte=start,
        moderated_at__lt=end,
    )
    stories = approved.filter(consent__in=PUBLIC_CONSENTS).order_by("-moderated_at", "-pk")
    names = {clinic.pk: clinic.name for clinic in clinics}
    labels = {d.id: text_in(d.label, language) for d in definition.dimensions}
    alerts = TrendAlert.objects.filter(
        clinic_id__in=ids, week__range=(month, month_end(month))
    ).order_by("week", "clinic_id", "dimension", "kind")
    return MonthlyReport(
        title=title,
        month=month,
        clinics=tuple(clinics),
        min_group_size=min_group_size,
        responses=None if is_suppressed(responses, min_group_size=min_group_size) else responses,
        figures=tuple(
            report_figures(
                current=current,
                previous=previous,
                definition=definition,
                language=language,
                min_group_size=min_group_size,
            )
        ),
        alerts=tuple(
            ReportAlert(
                clinic_name=names[alert.clinic_id],
                week=alert.week,
                dimension=labels.get(alert.dimension, alert.dimension),
                kind=alert.get_kind_display(),
                value=100 * alert.value
                if alert.kind == TrendAlert.Kind.DETRACTOR_SHARE
                else alert.value,
                is_share=alert.kind == TrendAlert.Kind.DETRACTOR_SHARE,
            )
            for alert in alerts
        ),
        follow_ups_opened=follow_ups["opened"],
        follow_ups_handled=follow_ups["handled"],
        stories_approved=approved.count(),
        stories=tuple(stories.values_list("text", flat=True)[:STORIES_SHOWN]),
    )
