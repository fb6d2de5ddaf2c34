"""Staff pages: the monthly leadership report (per clinic; the organisation's for admins) and
each user's e-mail preferences. Thin: an access check, one selector or service, a template."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from analytics.alerts.models import staff_language_choices
from analytics.alerts.services import mail_preference_of, mail_preference_update
from analytics.reports.selectors import previous_month
from analytics.reports.services import (
    clinic_report,
    last_complete_month,
    organisation_report,
    report_sections,
)
from feedback.access import clinic_for_user, clinics_for_user


class MailPreferenceForm(forms.Form):
    signal_alerts = forms.BooleanField(
        label=gettext_lazy("E-mail me when a chart of my clinics signals"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    monthly_report = forms.BooleanField(
        label=gettext_lazy("E-mail me the monthly leadership report"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of these e-mails"),
        choices=staff_language_choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


def _month_or_none(year: int, month: int) -> dt.date | None:
    """The first day of a month that exists and has ended; None otherwise."""
    if not 1 <= month <= 12 or not 2000 <= year <= 2999:
        return None
    first = dt.date(year, month, 1)
    return first if first <= last_complete_month(timezone.localdate()) else None


def _bad_month(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/reports/bad_month.html", status=400)


def _months_around(month: dt.date) -> tuple[dt.date, dt.date | None]:
    following = (month + dt.timedelta(days=32)).replace(day=1)
    latest = last_complete_month(timezone.localdate())
    return previous_month(month), following if following <= latest else None


@never_cache
@login_required
@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    month = last_complete_month(timezone.localdate())
    return render(
        request,
        "analytics/reports/index.html",
        {"clinics": clinics_for_user(request.user).order_by("name"), "month": month},
    )


def _report_page(request: HttpRequest, report, url_name: str, url_args: list) -> HttpResponse:
    earlier, later = _months_around(report.month)
    context = {
        **report_sections(report),
        "earlier": earlier,
        "later": later,
        "earlier_url": reverse(url_name, args=[*url_args, earlier.year, earlier.month]),
        "later_url": later and reverse(url_name, args=[*url_args, later.year, later.month]),
    }
    return render(request, "analytics/reports/report.html", context)


@never_cache
@login_required
@require_GET
def clinic_report_page(request: HttpRequest, clinic_id: int, year: int, month: int) -> HttpResponse:
    clinic = clinic_for_user(request.user, clinic_id, request=request)
    first = _month_or_none(year, month)
    if first is None:
        return _bad_month(request)
    report = clinic_report(clinic=clinic, month=first, language=get_language() or "en")
    return _report_page(request, report, "reports:clinic", [clinic.pk])


@never_cache
@login_required
@require_GET
def organisation_report_page(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not request.user.is_superuser:
        raise Http404("No such report.")
    first = _month_or_none(year, month)
    if first is None:
        return _bad_month(request)
    report = organisation_report(month=first, language=get_language() or "en")
    return _report_page(request, report, "reports:organisation", [])


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mail_preferences(request: HttpRequest) -> HttpResponse:
    current = mail_preference_of(request.user)
    if request.method == "POST":
        form = MailPreferenceForm(request.POST)
        if form.is_valid():
            mail_preference_update(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your e-mail preferences are saved."))
            return redirect("reports:preferences")
    else:
        form = MailPreferenceForm(
            initial={
                "signal_alerts": current.signal_alerts,
                "monthly_report": current.monthly_report,
                "language": current.language,
            }
        )
    return render(
        request,
        "analytics/reports/preferences.html",
        {"form": form, "has_email": bool(request.user.email)},
    )
