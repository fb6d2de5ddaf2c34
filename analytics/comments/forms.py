"""The comments page's period: the dashboard's choices, custom dates included."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.dashboard.forms import PERIOD_CHOICES, cleaned_period, with_period_dates


class CommentPeriodForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[*PERIOD_CHOICES, ("custom", _("Custom dates"))],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def __init__(self, data, *, today: dt.date | None = None):
        self.today = today or timezone.localdate()
        super().__init__(with_period_dates(data, today=self.today))

    def clean(self):
        cleaned = super().clean()
        cleaned_period(cleaned, today=self.today)
        return cleaned

    def query(self) -> str:
        """The period as a query string, for links that keep it (the theme pages)."""
        cleaned = self.cleaned_data
        if cleaned["period"] != "custom":
            return f"period={cleaned['period']}"
        return f"period=custom&start={cleaned['start']:%Y-%m-%d}&end={cleaned['end']:%Y-%m-%d}"
