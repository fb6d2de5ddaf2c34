"""Admin for the staff wellbeing pulse: rounds (with the staff list pasted in) and staff links.

A staff member with admin access sees only the rounds of clinics they belong to. Staff links are
view-only and never show a token or an address.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from feedback.access import clinics_for_user
from feedback.models import Instrument, PulseRound, StaffInvitation
from feedback.pulse import (
    RoundClosed,
    pulse_shared_url,
    pulse_token_for_salt,
    pulse_token_hash,
    staff_invitations_create,
    token_salt_new,
)


class PulseRoundForm(forms.ModelForm):
    staff_emails = forms.CharField(
        label=_("Staff e-mail addresses to invite"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line. Each gets a single-use link by e-mail; addresses are erased once "
            "used and when the round closes."
        ),
    )
    shared_link = forms.BooleanField(
        label=_("Also offer one shared link for the whole clinic"), required=False
    )

    class Meta:
        model = PulseRound
        fields = ["clinic", "instrument", "opens_on", "closes_on", "support_text", "support_links"]

    def clean_staff_emails(self) -> list[str]:
        emails = [line.strip() for line in self.cleaned_data["staff_emails"].splitlines()]
        emails = [email for email in emails if email]
        for email in emails:
            try:
                forms.EmailField().clean(email)
            except ValidationError:
                raise ValidationError(
                    _("Not an e-mail address: %(line)s") % {"line": email}
                ) from None
        return emails


@admin.register(PulseRound)
class PulseRoundAdmin(admin.ModelAdmin):
    form = PulseRoundForm
    list_display = ["clinic", "opens_on", "closes_on", "created_at"]
    list_filter = ["clinic"]
    list_select_related = ["clinic"]
    readonly_fields = ["shared_link_url", "invited", "answered"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(clinic__in=clinics_for_user(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic":
            kwargs["queryset"] = clinics_for_user(request.user)
        if db_field.name == "instrument":
            kwargs["queryset"] = Instrument.objects.filter(
                is_active=True, definition__audience="staff"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj: PulseRound, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        if form.cleaned_data.get("shared_link") and not obj.shared_link_salt:
            obj.shared_link_salt = token_salt_new()
            obj.shared_link_token_hash = pulse_token_hash(
                pulse_token_for_salt(obj.shared_link_salt)
            )
        super().save_model(request, obj, form, change)
        emails = form.cleaned_data.get("staff_emails") or []
        if emails:
            try:
                created = staff_invitations_create(pulse_round=obj, emails=emails)
            except RoundClosed:
                messages.error(request, _("This round is not open, so no links were sent."))
            else:
                messages.success(request, _("%(n)d staff links sent.") % {"n": len(created)})

    @admin.display(description=_("Shared link"))
    def shared_link_url(self, obj: PulseRound) -> str:
        return pulse_shared_url(obj) if obj.shared_link_salt else "-"

    @admin.display(description=_("Staff invited"))
    def invited(self, obj: PulseRound) -> int:
        return obj.invitations.count()

    @admin.display(description=_("Answers"))
    def answered(self, obj: PulseRound) -> int:
        # A count only: which links were used is never shown next to anything else.
        return obj.responses.count()


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    """View-only; token_salt, token_hash and the address are deliberately absent."""

    list_display = ["round", "created_at", "sent_at", "used", "contact_erased"]
    list_filter = ["used", "round__clinic"]
    fields = ["round", "created_at", "sent_at", "used", "contact_erased"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(round__clinic__in=clinics_for_user(request.user))
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
