"""Interventions in the admin, scoped to the user's clinics; every change audited."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from analytics.interventions.models import Intervention
from feedback.access import clinics_for_user
from feedback.audit import audit_record
from feedback.models import AuditEvent, Provider


class InterventionAdminForm(forms.ModelForm):
    class Meta:
        model = Intervention
        fields = ["clinic", "title", "kind", "start_date", "end_date", "providers", "note"]

    def clean(self):
        cleaned = super().clean()
        clinic = cleaned.get("clinic")
        providers = cleaned.get("providers") or []
        if clinic is not None and any(p.clinic_id != clinic.pk for p in providers):
            self.add_error("providers", _("Choose only providers of the intervention's clinic."))
        return cleaned


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    form = InterventionAdminForm
    list_display = ["title", "clinic", "kind", "start_date", "end_date", "created_by"]
    list_filter = ["kind", "clinic"]
    list_select_related = ["clinic", "created_by"]
    date_hierarchy = "start_date"
    filter_horizontal = ["providers"]
    search_fields = ["title"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(clinic__in=clinics_for_user(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic":
            kwargs["queryset"] = clinics_for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "providers":
            kwargs["queryset"] = Provider.objects.filter(
                clinic__in=clinics_for_user(request.user)
            ).select_related("clinic")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj: Intervention, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change: bool) -> None:
        """Audited once the providers are saved too, so the row holds the whole change."""
        super().save_related(request, form, formsets, change)
        obj = form.instance
        audit_record(
            actor=request.user,
            action=(
                AuditEvent.Action.INTERVENTION_EDIT
                if change
                else AuditEvent.Action.INTERVENTION_CREATE
            ),
            clinic=obj.clinic,
            target=f"intervention:{obj.pk}",
            details={"title": obj.title, "changed": form.changed_data, "via": "admin"},
        )

    def delete_model(self, request, obj: Intervention) -> None:
        self._deletion_audit(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset.select_related("clinic"):
            self._deletion_audit(request, obj)
        super().delete_queryset(request, queryset)

    def _deletion_audit(self, request, obj: Intervention) -> None:
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.INTERVENTION_DELETE,
            clinic=obj.clinic,
            target=f"intervention:{obj.pk}",
            details={"title": obj.title, "start_date": obj.start_date.isoformat(), "via": "admin"},
        )
