"""Signal alerts: find new signals on clinics' weekly charts (from rollups) and mail them once.

Two steps, each safe to run twice or at once in two workers. Finding records each signal as a
row keyed by (clinic, dimension, kind, week), inserted with ON CONFLICT DO NOTHING and committed.
Sending then takes each unsent row under a row lock (skipping rows another worker holds), mails
the clinic's managers who want alerts, and marks it sent in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import DateField, QuerySet, Sum
from django.db.models.functions import Trunc
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from analytics.alerts.models import StaffMailPreference, TrendAlert
from analytics.rollups.grains import DIMENSION_GRAINS
from analytics.rollups.selectors import RollupFilter, summed_rows
from analytics.stats import Moments, Recommendation
from analytics.stats.alert_rules import (
    detractor_share,
    detractor_share_crossed,
    spc_signals_new_at_last_week,
    weekly_means,
)
from feedback.models import Clinic, Instrument
from feedback.services import instrument_definition, instrument_for_clinic
from feedback.texts import text_in

logger = logging.getLogger(__name__)

# The chart judged: 13 complete weeks, about the dashboard's default 90 days.
ALERT_WINDOW_WEEKS = 13
# Weeks judged on each run: the last complete one, and the one before in case a run was missed.
ALERT_LOOKBACK_WEEKS = 2
WEEKLY_SUMS = ("n", "score_sum", "score_sumsq", "promoters", "detractors")


@dataclass(frozen=True)
class WeekSums:
    moments: Moments = Moments()
    recommendation: Recommendation = Recommendation()


def last_complete_week(*, clinic: Clinic, now: dt.datetime) -> dt.date:
    """Monday of the last whole week in the clinic's time zone; the current week is never judged."""
    today = now.astimezone(clinic.tzinfo).date()
    return today - dt.timedelta(days=today.weekday() + 7)


def clinic_weekly_sums(
    *, clinic_id: int, first_week: dt.date, last_week: dt.date
) -> dict[tuple[dt.date, str], WeekSums]:
    """(Monday, dimension) -> the clinic's sums over that week, one GROUP BY over the rollups."""
    where = RollupFilter(
        clinic_ids=(clinic_id,), since=first_week, until=last_week + dt.timedelta(days=6)
    )
    parts = DIMENSION_GRAINS.parts(where, months=False)
    rows = summed_rows(
        [
            part.annotate(week=Trunc("local_date", "week", output_field=DateField()))
            for part in parts
        ],
        keys=("week", "dimension"),
        sums={name: Sum(name) for name in WEEKLY_SUMS},
    )
    return {
        (row["week"], row["dimension"]): WeekSums(
            Moments(row["n"], row["score_sum"], row["score_sumsq"]),
            Recommendation(row["promoters"], row["detractors"], row["n"]),
        )
        for row in rows
    }


def clinic_signals_find(*, clinic: Clinic, now: dt.datetime) -> list[TrendAlert]:
    """The signals of the clinic's last ALERT_LOOKBACK_WEEKS complete weeks (unsaved rows)."""
    try:
        definition = instrument_definition(instrument_for_clinic(clinic))
    except Instrument.DoesNotExist:
        return []
    last = last_complete_week(clinic=clinic, now=now)
    count = ALERT_WINDOW_WEEKS + ALERT_LOOKBACK_WEEKS
    weeks = [last - dt.timedelta(weeks=count - 1 - k) for k in range(count)]
    sums = clinic_weekly_sums(clinic_id=clinic.pk, first_week=weeks[0], last_week=last)
    minimum = settings.MIN_GROUP_SIZE
    found: list[TrendAlert] = []
    for judged in range(ALERT_WINDOW_WEEKS, count):
        week = weeks[judged]
        for dimension in definition.mean_scored_dimensions:
            series = [
                sums.get((start, dimension.id), WeekSums()).moments
                for start in weeks[judged - ALERT_WINDOW_WEEKS : judged + 1]
            ]
            signals = spc_signals_new_at_last_week(
                series, window=ALERT_WINDOW_WEEKS, min_group_size=minimum
            )
            if signals:
                value = weekly_means(series[1:], min_group_size=minimum)[-1]
                found.extend(
                    TrendAlert(
                        clinic=clinic,
                        dimension=dimension.id,
                        kind=TrendAlert.Kind(signal.value),
                        week=week,
                        value=value,
                        n=series[-1].n,
                    )
                    for signal in sorted(signals)
                )
        for dimension in definition.recommend_dimensions:
            this_week = sums.get((week, dimension.id), WeekSums()).recommendation
            week_before = sums.get((weeks[judged - 1], dimension.id), WeekSums()).recommendation
            if detractor_share_crossed(
                this_week,
                week_before,
                threshold=settings.ALERT_DETRACTOR_SHARE,
                min_group_size=minimum,
            ):
                found.append(
                    TrendAlert(
                        clinic=clinic,
                        dimension=dimension.id,
                        kind=TrendAlert.Kind.DETRACTOR_SHARE,
                        week=week,
                        value=detractor_share(this_week, min_group_size=minimum),
                        n=this_week.n,
                    )
                )
    return found


def trend_alerts_record(*, now: dt.datetime | None = None) -> int:
    """Record every clinic's new signals; a signal already recorded is left as it is.

    Returns how many signals were looked at (recorded now or before)."""
    now = now or timezone.now()
    found = [
        alert
        for clinic in Clinic.objects.all()
        for alert in clinic_signals_find(clinic=clinic, now=now)
    ]
    # ON CONFLICT DO NOTHING on the unique key: a second run, or a concurrent one, adds nothing.
    TrendAlert.objects.bulk_create(found, ignore_conflicts=True)
    return len(found)


def alert_recipients(*, clinic_id: int) -> QuerySet:
    """The clinic's managers with an address who have not turned alerts off."""
    return (
        get_user_model()
        .objects.filter(clinic_memberships__clinic_id=clinic_id, is_active=True)
        .exclude(email="")
        .exclude(mail_preference__signal_alerts=False)
        .select_related("mail_preference")
        .order_by("pk")
        .distinct()
    )


def mail_language_of(user) -> str:
    """The language a staff user asked for their e-mails in (the portal's default otherwise)."""
    try:
        return user.mail_preference.language
    except StaffMailPreference.DoesNotExist:
        return settings.LANGUAGE_CODE


def alert_chart_url(alert: TrendAlert) -> str:
    """The dashboard showing exactly the chart judged: the clinic, the 13 weeks up to the
    alert's week, weekly, scrolled to the dimension's trend."""
    first = alert.week - dt.timedelta(weeks=ALERT_WINDOW_WEEKS - 1)
    query = urlencode(
        {
            "clinic": alert.clinic_id,
            "dimension": alert.dimension,
            "period": "custom",
            "start": first.isoformat(),
            "end": (alert.week + dt.timedelta(days=6)).isoformat(),
            "granularity": "week",
        }
    )
    anchor = (
        "title-recommend"
        if alert.kind == TrendAlert.Kind.DETRACTOR_SHARE
        else f"title-trend-{alert.dimension}"
    )
    return f"{settings.SITE_URL}{reverse('analytics:dashboard')}?{query}#{anchor}"


def _alert_message(alert: TrendAlert, user, dimension_label) -> EmailMessage:
    with translation.override(mail_language_of(user)):
        context = {
            "alert": alert,
            "clinic": alert.clinic,
            "dimension": text_in(dimension_label, translation.get_language()),
            "kind": alert.get_kind_display(),
            "share_percent": 100 * alert.value,
            "week_end": alert.week + dt.timedelta(days=6),
            "link": alert_chart_url(alert),
            "min_group_size": settings.MIN_GROUP_SIZE,
        }
        subject = " ".join(render_to_string("analytics/alerts/alert_subject.txt", context).split())
        body = render_to_string("analytics/alerts/alert_body.txt", context)
    return EmailMessage(subject=subject, body=body, to=[user.email])


def _dimension_labels(clinic: Clinic) -> dict[str, dict[str, str]]:
    try:
        definition = instrument_definition(instrument_for_clinic(clinic))
    except Instrument.DoesNotExist:
        return {}
    return {d.id: d.label for d in definition.dimensions}


@transaction.atomic
def trend_alert_send(*, alert_id: int, now: dt.datetime) -> int:
    """Mail one recorded signal to each of its clinic's managers; returns the e-mails sent.

    The row stays locked until sent_at is committed, and a worker finding it locked skips it, so
    the same signal never goes out twice."""
    alert = (
        TrendAlert.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("clinic")
        .filter(pk=alert_id, sent_at__isnull=True)
        .first()
    )
    if alert is None:
        return 0
    labels = _dimension_labels(alert.clinic)
    label = labels.get(alert.dimension, {"en": alert.dimension})
    messages = [
        _alert_message(alert, user, label) for user in alert_recipients(clinic_id=alert.clinic_id)
    ]
    for message in messages:
        message.send()
    alert.sent_at = now
    alert.recipients = len(messages)
    alert.save(update_fields=["sent_at", "recipients"])
    return len(messages)


def trend_alerts_send(*, now: dt.datetime | None = None) -> int:
    """Mail every recorded signal not mailed yet; returns the e-mails sent."""
    now = now or timezone.now()
    unsent = TrendAlert.objects.filter(sent_at__isnull=True).order_by("pk")
    return sum(trend_alert_send(alert_id=pk, now=now) for pk in unsent.values_list("pk", flat=True))


def trend_alerts_run(*, now: dt.datetime | None = None) -> int:
    """The daily job: record new signals (committed first), then mail the unsent ones."""
    now = now or timezone.now()
    trend_alerts_record(now=now)
    return trend_alerts_send(now=now)


@transaction.atomic
def mail_preference_update(
    *, user, signal_alerts: bool, monthly_report: bool, language: str
) -> StaffMailPreference:
    preference, _created = StaffMailPreference.objects.select_for_update().get_or_create(user=user)
    preference.signal_alerts = signal_alerts
    preference.monthly_report = monthly_report
    preference.language = language
    preference.updated_at = timezone.now()
    preference.save()
    return preference


def mail_preference_of(user) -> StaffMailPreference:
    """The user's saved choices, or the defaults (unsaved) when they never chose."""
    return StaffMailPreference.objects.filter(user=user).first() or StaffMailPreference(
        user=user, language=settings.LANGUAGE_CODE
    )
