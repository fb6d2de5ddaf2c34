"""The audit log of exports and moderation."""


from django.conf import settings
from django.db import models
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from feedback.models.places import Clinic


class AuditEvent(models.Model):
    """Who did what to which data, for every export and every moderation action. Append-only."""

    class Action(models.TextChoices):
        EXPORT = "export", _("Export")
        EXPORT_DOWNLOAD = "export_download", _("Export downloaded")
        TESTIMONIAL_APPROVE = "testimonial_approve", _("Testimonial approved")
        TESTIMONIAL_REJECT = "testimonial_reject", _("Testimonial rejected")
        TESTIMONIAL_EDIT = "testimonial_edit", _("Testimonial redaction edited")
        TESTIMONIAL_PURGE = "testimonial_purge", _("Testimonial original purged")
        TESTIMONIAL_WITHDRAW = "testimonial_withdraw", _("Testimonial withdrawn by patient")
        FOLLOW_UP_HANDLE = "follow_up_handle", _("Follow-up marked handled")

    created_at = models.DateTimeField(default=django_timezone.now, editable=False, db_index=True)
    # Null for actions by a patient or by the system.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
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

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"
