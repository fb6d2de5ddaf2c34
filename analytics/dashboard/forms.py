"""Staff forms: the dashboard's filters (kept in the URL)."""

import datetime as dt
from collections.abc import Sequence

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from feedback.models import Channel, Clinic, Provider, VisitType, language_choices

PERIOD_DAYS = {"30d": 30, "90d": 90, "180d": 180, "365d": 365}
# The preset periods, shared by the dashboard and the comments page.
PERIOD_CHOICES = [
    ("30d", _("Last 30 days")),
    ("90d", _("Last 90 days")),
    ("180d", _("Last 6 months")),
    ("365d", _("Last 12 months")),
]


def preset_period(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of "the last N days", today included."""
    return today - dt.timedelta(days=PERIOD_DAYS[period] - 1), today


def cleaned_period(cleaned: dict, *, today: dt.date) -> None:
    """Sets cleaned["period"], ["start"] and ["end"]: a preset's dates, or custom dates checked
    (both given, in order, at most 3 years apart). Shared by the dashboard and comments."""
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
        start, end = preset_period(period, today)
    cleaned["start"], cleaned["end"] = start, end


def with_period_dates(data, *, today: dt.date):
    """A copy of the query whose date inputs show the chosen preset period's dates."""
    data = data.copy()
    data.setdefault("period", "90d")
    if data["period"] in PERIOD_DAYS:
        data["start"], data["end"] = (
            day.isoformat() for day in preset_period(data["period"], today)
        )
    return data


class DashboardFilterForm(forms.Form):
    """The dashboard's filters, read from the query string so a view can be bookmarked.

    Clinic and provider choices are only those the user may see (the view has already refused,
    with a 404, any id outside them); dimension choices come from the instrument, and a survey
    choice is offered only when the clinics in view ask different surveys.
    """

    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[*PERIOD_CHOICES, ("custom", _("Custom dates"))],
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    clinic = forms.TypedChoiceField(label=_("Clinic"), required=False, coerce=int, empty_value=None)
    provider = forms.TypedChoiceField(
        label=_("Provider"), required=False, coerce=int, empty_value=None
    )
    instrument = forms.ChoiceField(label=_("Survey"), required=False)
    dimension = forms.ChoiceField(
        label=_("Compare on"),
        required=False,
        help_text=_("The dimension the funnel plot compares clinics or providers on."),
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
        label=_("Language"),
        required=False,
        choices=lambda: [("", _("All languages")), *language_choices()],
    )
    granularity = forms.ChoiceField(
        label=_("Trend by"), required=False, choices=[("week", _("Week")), ("month", _("Month"))]
    )

    def __init__(
        self,
        data=None,
        *,
        clinics: Sequence[Clinic],
        providers: Sequence[Provider],
        dimensions: Sequence[tuple[str, str]],
        dimension_default: str = "",
        instruments: Sequence[tuple[str, str]] = (),
        today: dt.date | None = None,
    ):
        self.today = today or timezone.localdate()
        if data is not None:
            # Shown as chosen: a select missing from the query string would otherwise show its
            # first option, and the next auto-submit would send that instead of the default.
            data = data.copy()
            data.setdefault("period", "90d")
            data.setdefault("granularity", "week")
            if dimensions and data.get("dimension") not in dict(dimensions):
                # Absent, or one of another survey's (the survey was just switched).
                data["dimension"] = dimension_default or dimensions[0][0]
            if instruments:
                data.setdefault("instrument", instruments[0][0])
            data = with_period_dates(data, today=self.today)
        super().__init__(data)
        self.dimension_default = dimension_default
        self.providers = {provider.pk: provider for provider in providers}
        several = len(clinics) > 1
        self.fields["clinic"].choices = [
            ("", _("All my clinics") if several else _("My clinic")),
            *((clinic.pk, clinic.name) for clinic in clinics),
        ]
        self.fields["provider"].choices = [
            ("", _("All providers") if providers else _("All providers (choose a clinic first)")),
            *((p.pk, p.display_name) for p in providers),
        ]
        self.fields["dimension"].choices = list(dimensions)
        if len(instruments) > 1:
            self.fields["instrument"].choices = list(instruments)
        else:  # one survey in view: nothing to choose
            del self.fields["instrument"]

    def clean(self):
        cleaned = super().clean()
        cleaned_period(cleaned, today=self.today)
        provider, clinic = cleaned.get("provider"), cleaned.get("clinic")
        if provider is not None and clinic not in (None, self.providers[provider].clinic_id):
            raise forms.ValidationError(_("That provider does not work at the chosen clinic."))
        cleaned["granularity"] = cleaned.get("granularity") or "week"
        cleaned["dimension"] = (
            cleaned.get("dimension")
            or self.dimension_default
            or self.fields["dimension"].choices[0][0]
        )
        return cleaned

    @property
    def previous_period(self) -> tuple[dt.date, dt.date]:
        """The period of equal length just before the chosen one (for 'change' figures)."""
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        length = (end - start).days + 1
        return start - dt.timedelta(days=length), start - dt.timedelta(days=1)

    def summary(self) -> list[str]:
        """The filters in force, in a few words each, for the collapsed filters on a phone:
        the period's dates, then every filter that narrows the view, then the comparison."""
        if not self.is_valid():
            return []
        cleaned = self.cleaned_data
        parts = [
            _("%(start)s to %(end)s")
            % {
                "start": formats.date_format(cleaned["start"], "j M Y"),
                "end": formats.date_format(cleaned["end"], "j M Y"),
            }
        ]
        for name in ("instrument", "clinic", "provider", "visit_type", "channel", "language"):
            if name in self.fields and cleaned.get(name) not in (None, ""):
                choices = dict(self.fields[name].choices)
                parts.append(str(choices.get(cleaned[name], choices.get(str(cleaned[name])))))
        dimension = dict(self.fields["dimension"].choices).get(cleaned["dimension"])
        if dimension:
            parts.append(_("compare on %(dimension)s") % {"dimension": dimension})
        parts.append(_("by week") if cleaned["granularity"] == "week" else _("by month"))
        return parts
