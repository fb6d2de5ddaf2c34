"""The portal's machine interfaces: API tokens of client systems, webhook endpoints and their
delivery log. No patient contact detail is stored here."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from feedback.models import Clinic, FollowUp


class ApiToken(models.Model):
    """A client system's key to the API, limited to some clinics.

    Only the SHA-256 of the token is kept (the token is 256 random bits, so a plain hash cannot
    be reversed); the admin shows the token once, when it is created. A revoked token stays for
    the record and is refused.
    """

    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses it."))
    clinics = models.ManyToManyField(Clinic, related_name="api_tokens", verbose_name=_("clinics"))
    # The first characters of the token, to tell tokens apart in the admin and in logs.
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=django_timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookEndpoint(models.Model):
    """A clinic system's HTTPS address that is told when a follow-up opens.

    The secret signs every delivery (HMAC-SHA256); it has to be kept in clear to sign, and the
    admin shows it once, when the endpoint is created.
    """

    clinic = models.ForeignKey(
        Clinic, on_delete=models.CASCADE, related_name="webhook_endpoints", verbose_name=_("clinic")
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=django_timezone.now, editable=False)

    class Meta:
        ordering = ["clinic__name", "url"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return f"{self.clinic} → {self.url}"

    def clean(self) -> None:
        from integrations.webhooks import webhook_url_validate

        webhook_url_validate(self.url)


class WebhookDelivery(models.Model):
    """One event for one endpoint: the exact body that is signed and sent, until delivered or
    given up. Each try is a WebhookAttempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=40)
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)
    # When a task was last sent for it, or last tried it: a pending delivery untouched for
    # WEBHOOK_RESEND_AFTER_SECONDS lost its message (broker down) and is sent again by beat.
    touched_at = models.DateTimeField(default=django_timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "touched_at"], name="webhook_delivery_stale_idx")]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "follow_up", "event_type"],
                condition=Q(follow_up__isnull=False),
                name="webhook_delivery_once_per_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint.url}"


class WebhookAttempt(models.Model):
    """One try at sending a delivery: the delivery log shown in the admin."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField(default=django_timezone.now)
    # Null when no HTTP answer came (refused connection, timeout, TLS error).
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"
