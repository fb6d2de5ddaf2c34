"""Monthly leadership reports for a user: which ones they may read, and the opt-in e-mail.

One e-mail per user and month: a MonthlyReportDelivery row (unique per user and month) is
created and locked while the e-mail is sent and marked sent in the same transaction, so a second
run, or two at once, sends nothing more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext

from analytics.alerts.models import MonthlyReportDelivery
from analytics.alerts.services import mail_language_of
from analytics.interventions.selectors import intervention_effects
from analytics.reports.selectors import MonthlyReport, monthly_report, previous_month
from analytics.wellbeing.pages import report_wellbeing_lines
from feedback.access import clinics_for_user
from feedback.models import Clinic
from feedback.services import (
    instrument_current,
    instrument_definition,
    instrument_for_clinic,
    instrument_slug_of,
)


def clinic_report(*, clinic: Clinic, month: dt.date, language: str) -> MonthlyReport:
    return monthly_report(
        clinics=[clinic],
        month=month,
        definition=instrument_definition(instrument_for_clinic(clinic)),
        language=language,
        min_group_size=settings.MIN_GROUP_SIZE,
        title=clinic.name,
    )


def organisation_report(*, month: dt.date, language: str) -> MonthlyReport:
    """Every clinic asking the default survey (scores of different surveys do not add up)."""
    instrument = instrument_current()
    clinics = [
        c for c in Clinic.objects.order_by("name") if instrument_slug_of(c) == instrument.slug
    ]
    return monthly_report(
        clinics=clinics,
        month=month,
        definition=instrument_definition(instrument),
        language=language,
        min_group_size=settings.MIN_GROUP_SIZE,
        title=gettext("All clinics"),
    )


def report_sections(report: MonthlyReport) -> dict[str, Any]:
    """What the report template shows around the numbers; the features that own the two
    placeholder sections fill them in here (None renders "none recorded")."""
    return {
        "report": report,
        # Interventions whose period overlaps the month, with their before/after effect.
        "interventions": intervention_effects(
            clinic_ids=[clinic.pk for clinic in report.clinics],
            period_start=report.month,
            period_end=report.month_end,
            min_group_size=report.min_group_size,
        ),
        "staff_wellbeing": report.extra.get("staff_wellbeing")
        or report_wellbeing_lines(
            report.clinics,
            month_first=report.month,
            month_last=report.month_end,
            language=get_language() or settings.LANGUAGE_CODE,
            staff_min=settings.STAFF_MIN_GROUP_SIZE,
        ),
    }


def last_complete_month(today: dt.date) -> dt.date:
    return previous_month(today.replace(day=1))


def reports_for_user(*, user, month: dt.date, language: str) -> list[MonthlyReport]:
    """Admins get the organisation's report; a manager one report per clinic they manage."""
    if user.is_superuser:
        return [organisation_report(month=month, language=language)]
    return [
        clinic_report(clinic=clinic, month=month, language=language)
        for clinic in clinics_for_user(user).order_by("name")
    ]


def _report_url(report: MonthlyReport, user) -> str:
    if user.is_superuser:
        path = reverse("reports:organisation", args=[report.month.year, report.month.month])
    else:
        path = reverse(
            "reports:clinic", args=[report.clinics[0].pk, report.month.year, report.month.month]
        )
    return settings.SITE_URL + path


@transaction.atomic
def monthly_report_send(*, user_id: int, month: dt.date, now: dt.datetime) -> int:
    """E-mail one user their reports for ``month`` unless already sent (1 if sent, else 0)."""
    MonthlyReportDelivery.objects.get_or_create(user_id=user_id, month=month)
    delivery = (
        MonthlyReportDelivery.objects.select_for_update()
        .select_related("user")
        .get(user_id=user_id, month=month)
    )
    if delivery.sent_at is not None:
        return 0
    user = delivery.user
    sent = 0
    with translation.override(mail_language_of(user)):
        reports = reports_for_user(user=user, month=month, language=translation.get_language())
        if reports:
            context = {
                "month": month,
                "sections": [
                    {**report_sections(report), "url": _report_url(report, user)}
                    for report in reports
                ],
                "site_url": settings.SITE_URL,
                "preferences_url": settings.SITE_URL + reverse("reports:preferences"),
            }
            subject = " ".join(
                render_to_string("analytics/reports/email_subject.txt", context).split()
            )
            message = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string("analytics/reports/email_body.txt", context),
                to=[user.email],
            )
            message.attach_alternative(
                render_to_string("analytics/reports/email_body.html", context), "text/html"
            )
            message.send()
            sent = 1
    delivery.sent_at = now
    delivery.save(update_fields=["sent_at"])
    return sent


def monthly_reports_send(*, now: dt.datetime | None = None) -> int:
    """On the first of the month: last month's report to every active user who opted in."""
    now = now or timezone.now()
    month = last_complete_month(now.date())
    users = (
        get_user_model()
        .objects.filter(is_active=True, mail_preference__monthly_report=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(monthly_report_send(user_id=pk, month=month, now=now) for pk in users)
