"""The intervention form of the staff page: clinic and providers only from the user's clinics."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from analytics.interventions.models import Intervention
from feedback.models import Clinic, Provider


class InterventionForm(forms.ModelForm):
    """Covers the whole clinic unless "chosen providers" is picked, then at least one provider
    of the chosen clinic. On edit the clinic is fixed."""

    covers = forms.ChoiceField(
        label=_("Covers"),
        choices=[("clinic", _("The whole clinic")), ("providers", _("Chosen providers"))],
        widget=forms.RadioSelect,
        initial="clinic",
    )

    class Meta:
        model = Intervention
        fields = [
            "clinic",
            "title",
            "kind",
            "start_date",
            "end_date",
            "covers",
            "providers",
            "note",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "providers": forms.CheckboxSelectMultiple,
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, clinics: Sequence[Clinic], **kwargs):
        super().__init__(*args, **kwargs)
        clinic_ids = [clinic.pk for clinic in clinics]
        self.fields["clinic"].queryset = Clinic.objects.filter(pk__in=clinic_ids)
        self.fields["clinic"].empty_label = None
        providers = Provider.objects.filter(clinic_id__in=clinic_ids).select_related("clinic")
        if self.instance.pk:
            del self.fields["clinic"]
            providers = providers.filter(clinic_id=self.instance.clinic_id)
            self.initial["covers"] = "providers" if self.instance.providers.exists() else "clinic"
        self.fields["providers"].queryset = providers.order_by("clinic__name", "display_name")
        several = len(clinic_ids) > 1 and not self.instance.pk
        self.fields["providers"].label_from_instance = (
            (lambda p: f"{p.display_name} ({p.clinic.name})")
            if several
            else (lambda p: p.display_name)
        )
        self.fields["providers"].help_text = _("Only when it covers chosen providers.")
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"

    def clean(self):
        cleaned = super().clean()
        clinic = cleaned.get("clinic") if "clinic" in self.fields else self.instance.clinic
        providers = list(cleaned.get("providers") or [])
        if cleaned.get("covers") == "providers":
            if not providers:
                self.add_error("providers", _("Choose at least one provider, or the whole clinic."))
            elif clinic is not None and any(p.clinic_id != clinic.pk for p in providers):
                self.add_error(
                    "providers",
                    _("Choose only providers who work at %(clinic)s.") % {"clinic": clinic},
                )
        else:
            cleaned["providers"] = []
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must be on or after the start date."))
        return cleaned
