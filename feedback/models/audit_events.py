"""The audit log: exports, moderation, staff sign-in and refused access."""

from django.conf import settings
from django.db import models
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from feedback.models.places import Clinic


class AuditEvent(models.Model):
    """Who did what to which data, for every export and every moderation action, and who signed
    in or out or was refused, from which address. Append-only.

    The sign-in rows are also the sign-in throttle's counter (accounts.throttle): counting them
    in PostgreSQL, by username and by address, lets sign-in work with no cache at all.
    """

    class Action(models.TextChoices):
        EXPORT = "export", _("Export")
        EXPORT_DOWNLOAD = "export_download", _("Export downloaded")
        TESTIMONIAL_APPROVE = "testimonial_approve", _("Testimonial approved")
        TESTIMONIAL_REJECT = "testimonial_reject", _("Testimonial rejected")
        TESTIMONIAL_EDIT = "testimonial_edit", _("Testimonial redaction edited")
        TESTIMONIAL_PURGE = "testimonial_purge", _("Testimonial original purged")
        TESTIMONIAL_WITHDRAW = "testimonial_withdraw", _("Testimonial withdrawn by patient")
        FOLLOW_UP_HANDLE = "follow_up_handle", _("Follow-up marked handled")
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        # The failure that reaches the limit (counted as a failure), then refusals while locked.
        SIGN_IN_LOCKOUT = "sign_in_lockout", _("Sign-in locked out")
        SIGN_IN_REFUSED = "sign_in_refused", _("Sign-in refused while locked out")
        SIGN_OUT = "sign_out", _("Signed out")
        PASSWORD_RESET_REQUEST = "password_reset_request", _("Password reset requested")
        PASSWORD_RESET = "password_reset", _("Password reset by e-mail link")
        # Another clinic's object asked for: answered with the same 404 as a missing one.
        ACCESS_REFUSED = "access_refused", _("Access refused")
        INTERVENTION_CREATE = "intervention_create", _("Intervention recorded")
        INTERVENTION_EDIT = "intervention_edit", _("Intervention edited")
        INTERVENTION_DELETE = "intervention_delete", _("Intervention deleted")

    created_at = models.DateTimeField(default=django_timezone.now, editable=False, db_index=True)
    # Null for actions by a patient or by the system.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=32, choices=Action.choices)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What was acted on, e.g. "testimonial:42" or "export:<uuid>".
    target = models.CharField(max_length=200, blank=True)
    # Filters used, rows written, file name, before/after text...; never patient contact details.
    details = models.JSONField(default=dict, blank=True)
    # The username tried at sign-in, or the e-mail address a password reset was asked for,
    # lower-cased (never a password).
    username = models.CharField(max_length=254, blank=True)
    # The client's address (feedback.ratelimit.client_address: honours TRUSTED_PROXIES).
    client_address = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The throttle's two counts: failures per username and per address in the window.
            models.Index(fields=["username", "created_at"], name="audit_username_time"),
            models.Index(fields=["client_address", "created_at"], name="audit_address_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"
