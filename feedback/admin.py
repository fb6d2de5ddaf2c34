"""Django admin for collection: clinics, people, visits (with the CSV import page) and responses.

Contacts are never listed and tokens never shown; instruments, invitations and responses are
read-only here, because they change only through the services that keep their rules.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from feedback.access import clinics_for_user
from feedback.models import (
    AuditEvent,
    Clinic,
    ClinicMembership,
    DimensionScore,
    FollowUp,
    Instrument,
    Invitation,
    Provider,
    Response,
    Testimonial,
    Visit,
)
from feedback.visit_import import COLUMNS, OPTIONAL_COLUMNS, VisitFileInvalid, visit_file_import

admin.site.site_header = "Compassion Portal administration"
admin.site.site_title = "Compassion Portal"

# The import runs inside the request; bigger exports go through `manage.py import_visits`.
IMPORT_MAX_BYTES = 10 * 1024 * 1024
# Error lines shown as messages after an import; the rest are summarised in one line.
IMPORT_ERRORS_SHOWN = 50


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through services (which keep their rules and the audit log)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ProviderInline(admin.TabularInline):
    model = Provider
    extra = 0
    fields = ["display_name", "role", "external_id", "is_active"]


class ClinicMembershipInline(admin.TabularInline):
    model = ClinicMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "instrument_slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProviderInline, ClinicMembershipInline]


@admin.register(ClinicMembership)
class ClinicMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "clinic", "role", "created_at"]
    list_filter = ["role", "clinic"]
    list_select_related = ["user", "clinic"]
    search_fields = ["user__username", "user__email", "clinic__name"]
    autocomplete_fields = ["user", "clinic"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["display_name", "role", "clinic", "external_id", "is_active", "kudos_digest"]
    list_filter = ["clinic", "role", "is_active", "kudos_digest"]
    list_select_related = ["clinic"]
    search_fields = ["display_name", "external_id"]
    autocomplete_fields = ["clinic"]


class VisitImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 CSV with a header row. Up to 10 MB; use `manage.py import_visits` "
        "for bigger files.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB.")
        return upload


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = [
        "external_id",
        "clinic",
        "provider",
        "occurred_at",
        "visit_type",
        "preferred_language",
    ]
    list_filter = ["clinic", "visit_type", "preferred_language"]
    list_select_related = ["clinic", "provider"]
    search_fields = ["external_id"]
    autocomplete_fields = ["clinic", "provider"]
    date_hierarchy = "occurred_at"

    def get_urls(self):
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="feedback_visit_import",
            )
        ]
        return own + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a CSV of visits; the result is reported with messages on the changelist."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = VisitImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                summary = visit_file_import(raw=form.cleaned_data["file"].read())
            except VisitFileInvalid as exc:
                form.add_error("file", str(exc))
            else:
                level = messages.WARNING if summary.errors else messages.SUCCESS
                messages.add_message(request, level, summary.describe())
                for line, problem in summary.errors[:IMPORT_ERRORS_SHOWN]:
                    messages.error(request, f"Line {line}: {problem}")
                if len(summary.errors) > IMPORT_ERRORS_SHOWN:
                    more = len(summary.errors) - IMPORT_ERRORS_SHOWN
                    messages.error(request, f"...and {more} more rows with errors.")
                return redirect("admin:feedback_visit_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import visits",
            "form": form,
            "columns": COLUMNS,
            "optional_columns": OPTIONAL_COLUMNS,
        }
        return TemplateResponse(request, "admin/feedback/visit/import.html", context)


@admin.register(Invitation)
class InvitationAdmin(ViewOnlyAdmin):
    """View-only: invitations are made by the import and change only through their services."""

    list_display = [
        "visit_external_id",
        "clinic",
        "channel",
        "language",
        "created_at",
        "sent_at",
        "reminder_sent_at",
        "used_at",
        "expires_at",
    ]
    list_filter = ["channel", "language", "visit__clinic"]
    list_select_related = ["visit__clinic"]
    search_fields = ["visit__external_id"]
    date_hierarchy = "created_at"
    # contact, contact_hash, token_salt and token_hash are deliberately absent.
    fields = [
        "visit",
        "channel",
        "language",
        "created_at",
        "expires_at",
        "sent_at",
        "reminder_sent_at",
        "used_at",
        "has_contact",
        "contact_erased_at",
    ]
    readonly_fields = fields

    @admin.display(description="Visit", ordering="visit__external_id")
    def visit_external_id(self, obj: Invitation) -> str:
        return obj.visit.external_id

    @admin.display(description="Clinic", ordering="visit__clinic__name")
    def clinic(self, obj: Invitation) -> str:
        return obj.visit.clinic.name

    @admin.display(description="Contact kept", boolean=True)
    def has_contact(self, obj: Invitation) -> bool:
        return bool(obj.contact)


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    """A version is never edited, only offered or withdrawn; new ones come from load_instruments."""

    list_display = ["name", "slug", "version", "is_active", "loaded_at"]
    list_filter = ["slug", "is_active"]
    fields = [
        "slug",
        "version",
        "name",
        "is_active",
        "loaded_at",
        "definition_sha256",
        "definition_pretty",
    ]
    readonly_fields = [
        "slug",
        "version",
        "name",
        "loaded_at",
        "definition_sha256",
        "definition_pretty",
    ]

    @admin.display(description="Definition")
    def definition_pretty(self, obj: Instrument) -> str:
        pretty = json.dumps(obj.definition, indent=2, ensure_ascii=False)
        return format_html("<pre>{}</pre>", pretty)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DimensionScoreInline(ReadOnlyInline):
    model = DimensionScore
    fields = ["dimension", "score", "mean", "answered_items", "top_box_items"]


class TestimonialInline(ReadOnlyInline):
    model = Testimonial
    fields = ["text", "consent", "status", "created_at"]


@admin.register(Response)
class ResponseAdmin(ViewOnlyAdmin):
    """View-only: a stored response is evidence; its scores were computed when it arrived."""

    list_display = [
        "pk",
        "clinic",
        "provider",
        "instrument",
        "channel",
        "language",
        "local_date",
        "submitted_at",
    ]
    list_filter = ["clinic", "channel", "language", "visit_type"]
    list_select_related = ["clinic", "provider", "instrument"]
    date_hierarchy = "submitted_at"
    fields = [
        "instrument",
        "clinic",
        "provider",
        "visit_type",
        "channel",
        "language",
        "submitted_at",
        "local_date",
        "answers_pretty",
        "comment",
    ]
    readonly_fields = fields
    inlines = [DimensionScoreInline, TestimonialInline]

    def get_queryset(self, request):
        # Staff pulse answers are never shown one by one, not even to admins: only the round
        # aggregates on the wellbeing page (a small team's single answers name their author).
        return super().get_queryset(request).filter(pulse_round__isnull=True)

    @admin.display(description="Answers")
    def answers_pretty(self, obj: Response) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.answers, indent=2, sort_keys=True))


@admin.register(Testimonial)
class TestimonialAdmin(ViewOnlyAdmin):
    """Read-only: approving, rejecting and editing happen in the audited moderation queue
    (/staff/), so no change can bypass the audit log. Admins read the original text here."""

    list_display = ["__str__", "clinic", "consent", "status", "created_at"]
    list_filter = ["status", "consent", "response__clinic"]
    list_select_related = ["response__clinic"]
    fields = [
        "response",
        "text",
        "original_text",
        "original_purged_at",
        "redactions",
        "consent",
        "first_name",
        "status",
        "provider_thanked",
        "created_at",
        "moderated_at",
        "withdrawn_at",
    ]
    readonly_fields = fields

    @admin.display(description="Clinic", ordering="response__clinic__name")
    def clinic(self, obj: Testimonial) -> str:
        return obj.response.clinic.name


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnlyAdmin):
    """The audit log: readable by admins, changeable by nobody. Sign-in rows show the username
    tried and the client address (search by either to follow one attack)."""

    list_display = [
        "created_at",
        "actor",
        "action",
        "username",
        "client_address",
        "clinic",
        "target",
    ]
    list_filter = ["action", "clinic"]
    list_select_related = ["actor", "clinic"]
    search_fields = ["target", "actor__username", "username", "client_address"]
    date_hierarchy = "created_at"


@admin.register(FollowUp)
class FollowUpAdmin(ViewOnlyAdmin):
    """Low scores to follow up, for staff with admin access, only of their own clinics.

    Read-only: a follow-up is marked handled on the audited follow-ups page (/staff/)."""

    list_display = ["created_at", "clinic", "reasons_shown", "status", "handled_at", "handled_by"]
    list_filter = ["status", ("clinic", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["clinic", "handled_by"]
    date_hierarchy = "created_at"
    fields = [
        "clinic",
        "response",
        "reasons_shown",
        "status",
        "created_at",
        "handled_at",
        "handled_by",
        "note",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(clinic__in=clinics_for_user(request.user))

    @admin.display(description=_("Reasons"))
    def reasons_shown(self, obj: FollowUp) -> str:
        return ", ".join(obj.reason_labels)


from feedback import pulse_admin  # noqa: E402, F401  (registers the staff pulse admin)
