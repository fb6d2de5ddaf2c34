"""The export form: the dashboard's own filters, plus what to export and in which format."""

from django import forms
from django.utils.translation import gettext_lazy as _

from analytics.dashboard.forms import DashboardFilterForm
from analytics.exports.formats import EXPORT_FORMATS
from analytics.exports.services import ExportRequest
from analytics.models import ExportJob
from analytics.rollups.selectors import RollupFilter

# What the dashboard shows when no period is chosen (tests/analytics/exports checks they agree).
DASHBOARD_DEFAULT_PERIOD = "90d"


class ExportForm(DashboardFilterForm):
    kind = forms.ChoiceField(
        label=_("Export"), choices=ExportJob.Kind.choices, initial=ExportJob.Kind.RESPONSES
    )
    file_format = forms.ChoiceField(
        label=_("Format"), choices=ExportJob.FileFormat.choices, initial=ExportJob.FileFormat.CSV
    )
    granularity = forms.ChoiceField(
        label=_("Scores by"),
        required=False,
        choices=[("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
    )
    comments = forms.BooleanField(label=_("Include patients' comments"), required=False)
    full_precision = forms.BooleanField(
        label=_("Scores with every decimal"),
        required=False,
        help_text=_(
            "Unticked, scores are rounded as the dashboard shows them (72.3). Tick it to get "
            "the stored values (72.3333…), e.g. to compute your own averages."
        ),
    )
    bom = forms.BooleanField(
        label=_("For Excel on Windows"),
        required=False,
        help_text=_(
            "Tick this if the file will be opened in Excel on Windows: without it, accents and "
            "other special letters (é, ñ, ü) may show as odd characters there. Other programs "
            "do not need it. (It adds an invisible byte-order mark at the start of the file.)"
        ),
    )

    def __init__(self, data=None, *, clinics, providers, today=None):
        # The dashboard form also picks the dimension its funnel compares: not an export filter.
        super().__init__(
            data, clinics=clinics, providers=providers, dimensions=[("", "")], today=today
        )
        self.fields["dimension"].widget = forms.HiddenInput()
        # Unbound, the period select shows the dashboard's default, not its first choice.
        self.fields["period"].initial = DASHBOARD_DEFAULT_PERIOD
        self.fields["granularity"].initial = "week"  # what an unchosen one exports
        self.clinic_ids = [clinic.pk for clinic in clinics]

    def clean(self):
        cleaned = super().clean()
        kind, file_format = cleaned.get("kind"), cleaned.get("file_format")
        if kind and file_format and kind not in EXPORT_FORMATS[file_format].kinds:
            # Only the responses export has a format it cannot take (a workbook).
            self.add_error("file_format", _("Responses are exported as CSV only."))
        return cleaned

    def export_request(self) -> ExportRequest:
        cleaned = self.cleaned_data
        clinic = cleaned.get("clinic")
        return ExportRequest(
            kind=cleaned["kind"],
            file_format=cleaned["file_format"],
            where=RollupFilter(
                clinic_ids=tuple(sorted([clinic] if clinic is not None else self.clinic_ids)),
                since=cleaned["start"],
                until=cleaned["end"],
                provider_id=cleaned.get("provider"),
                visit_type=cleaned.get("visit_type") or None,
                channel=cleaned.get("channel") or None,
                language=cleaned.get("language") or None,
            ),
            granularity=cleaned.get("granularity") or "week",
            comments=bool(cleaned.get("comments")),
            bom=bool(cleaned.get("bom")),
            full_precision=bool(cleaned.get("full_precision")),
        )
