"""Who wants which e-mails, the signals found (each mailed once), and the monthly reports sent.

Imported by analytics.models, so Django sees these as models of the analytics app.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models.places import LANGUAGE_MAX_LENGTH


def staff_language_choices() -> list[tuple[str, str]]:
    """The languages staff pages speak (patient-only drafts such as Arabic left out)."""
    return [
        (code, name)
        for code, name in settings.LANGUAGES
        if code not in settings.PATIENT_ONLY_LANGUAGES
    ]


class StaffMailPreference(models.Model):
    """A staff user's e-mail choices. No row means the defaults: alerts on, no monthly report."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_preference"
    )
    signal_alerts = models.BooleanField(
        _("e-mail me when a chart signals"),
        default=True,
        help_text=_("A new signal on a weekly chart of one of my clinics, or many detractors."),
    )
    monthly_report = models.BooleanField(
        _("e-mail me the monthly leadership report"),
        default=False,
        help_text=_("Sent on the first of each month, about the month before."),
    )
    language = models.CharField(
        _("language of these e-mails"),
        max_length=LANGUAGE_MAX_LENGTH,
        choices=staff_language_choices,
        default="en",
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("staff e-mail preference")
        verbose_name_plural = _("staff e-mail preferences")

    def __str__(self) -> str:
        return f"E-mail preferences of {self.user}"


class TrendAlert(models.Model):
    """A signal found on a clinic's weekly chart, recorded once and e-mailed once.

    The unique key is what makes the daily task idempotent: a second run, or two running at
    once, cannot record the same signal again, and only rows without sent_at are mailed.
    """

    class Kind(models.TextChoices):
        BEYOND_LIMIT = "beyond_limit", _("Beyond a limit")
        SHIFT = "shift", _("Shift (7 on one side)")
        TREND = "trend", _("Trend (7 rising or falling)")
        TWO_OF_THREE = "two_of_three", _("2 of 3 near a limit")
        DETRACTOR_SHARE = "detractor_share", _("Many detractors")

    clinic = models.ForeignKey("feedback.Clinic", on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=40)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    week = models.DateField(help_text=_("Monday of the week judged (the clinic's local days)."))
    # The week's 0-100 mean, or its share of detractors (0-1), and the respondents behind it.
    value = models.FloatField()
    n = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-week", "clinic_id", "dimension", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "dimension", "kind", "week"], name="trend_alert_unique_signal"
            )
        ]
        indexes = [models.Index(fields=["sent_at"], name="trend_alert_sent_idx")]

    def __str__(self) -> str:
        return f"{self.clinic_id} {self.dimension} {self.kind} week of {self.week}"


class MonthlyReportDelivery(models.Model):
    """One monthly report e-mail per user and month: the row is locked while it is sent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("First day of the month reported on."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="monthly_report_once_per_user")
        ]

    def __str__(self) -> str:
        return f"Report for {self.month:%Y-%m} to {self.user}"
