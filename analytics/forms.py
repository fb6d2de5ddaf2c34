"""Staff forms: throttled sign-in and the dashboard's filters (kept in the URL)."""

import datetime as dt

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.login_throttle import (
    login_failure_record,
    login_failures_clear,
    login_is_throttled,
)
from feedback.models import Channel, Clinic, Language, Provider, VisitType


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-in attempts. Please wait 15 minutes and try again."),
    }

    def clean(self):
        username = self.data.get("username", "")
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if login_is_throttled(username=username, client_address=address):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(username=username, client_address=address)
            raise
        login_failures_clear(username=username)
        return cleaned


PERIOD_DAYS = {"30d": 30, "90d": 90, "180d": 180, "365d": 365}


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[
            ("30d", _("Last 30 days")),
            ("90d", _("Last 90 days")),
            ("180d", _("Last 6 months")),
            ("365d", _("Last 12 months")),
            ("custom", _("Custom dates")),
        ],
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    clinic = forms.ModelChoiceField(
        label=_("Clinic"),
        queryset=Clinic.objects.none(),
        required=False,
        empty_label=_("All my clinics"),
    )
    provider = forms.ModelChoiceField(
        label=_("Provider"),
        queryset=Provider.objects.none(),
        required=False,
        empty_label=_("All providers"),
    )
    visit_type = forms.ChoiceField(
        label=_("Visit type"),
        required=False,
        choices=[("", _("All visit types")), *VisitType.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All languages")), *Language.choices]
    )
    granularity = forms.ChoiceField(
        label=_("Trend by"), required=False, choices=[("week", _("Week")), ("month", _("Month"))]
    )

    def __init__(self, data=None, *, clinics, today: dt.date | None = None):
        super().__init__(data)
        self.today = today or timezone.localdate()
        self.fields["clinic"].queryset = clinics
        self.fields["provider"].queryset = Provider.objects.filter(
            clinic__in=clinics
        ).select_related("clinic")

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period") or "90d"
        cleaned["period"] = period
        if period == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Choose both a start and an end date."))
            if start > end:
                raise forms.ValidationError(_("The start date must be on or before the end date."))
            if (end - start).days > 3 * 366:
                raise forms.ValidationError(_("Choose a period of at most 3 years."))
        else:
            end = self.today
            start = end - dt.timedelta(days=PERIOD_DAYS[period] - 1)
        cleaned["start"], cleaned["end"] = start, end
        provider, clinic = cleaned.get("provider"), cleaned.get("clinic")
        if provider and clinic and provider.clinic_id != clinic.pk:
            raise forms.ValidationError(_("That provider does not work at the chosen clinic."))
        cleaned["granularity"] = cleaned.get("granularity") or "week"
        return cleaned

    @property
    def previous_period(self) -> tuple[dt.date, dt.date]:
        """The period of equal length just before the chosen one (for 'change' figures)."""
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        length = (end - start).days + 1
        return start - dt.timedelta(days=length), start - dt.timedelta(days=1)
