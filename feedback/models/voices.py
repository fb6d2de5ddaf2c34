"""Patients' own words: testimonials, follow-ups on low scores, and comment analysis."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from feedback.models.places import LANGUAGE_MAX_LENGTH, Clinic, Provider, language_choices
from feedback.models.surveys import Response


class Testimonial(models.Model):
    class Consent(models.TextChoices):
        PRIVATE = "private", _("Do not publish")
        ANONYMOUS = "anonymous", _("Publish without my name")
        FIRST_NAME = "first_name", _("Publish with my first name")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by patient")

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="testimonial")
    # The redacted text: the only version managers, the wall and the embed ever show.
    text = models.TextField()
    # As the patient wrote it, for admins only; emptied for good by a purge.
    original_text = models.TextField(blank=True)
    original_purged_at = models.DateTimeField(null=True, blank=True)
    # {kind: count} of what the automatic redaction replaced, e.g. {"phone": 1, "name": 2}.
    redactions = models.JSONField(default=dict, blank=True)
    consent = models.CharField(max_length=16, choices=Consent.choices, default=Consent.PRIVATE)
    first_name = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Keyed hash of the short code shown once on the thank-you page; the code itself is not kept.
    withdrawal_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    # A provider of the clinic the patient named while thanking them (kudos).
    provider_thanked = models.ForeignKey(
        Provider, on_delete=models.SET_NULL, null=True, blank=True, related_name="kudos"
    )
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)
    moderated_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # When the thanked provider's kudos digest carried it: each thanks is mailed once.
    kudos_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["withdrawal_code_hash"],
                condition=~Q(withdrawal_code_hash=""),
                name="testimonial_unique_withdrawal_code",
            )
        ]
        indexes = [models.Index(fields=["status", "consent"], name="testimonial_status_idx")]

    def __str__(self) -> str:
        return f"Testimonial {self.pk} ({self.get_status_display()})"


class FollowUp(models.Model):
    """Service recovery: a response the clinic's manager should look at, until marked handled."""

    class Reason(models.TextChoices):
        LOW_EMPATHY = "low_empathy", _("Low empathy score")
        LOW_TRUST = "low_trust", _("Low trust score")
        DETRACTOR_COMMENT = "detractor_comment", _("Unlikely to recommend, with a comment")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HANDLED = "handled", _("Handled")

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="follow_up")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="follow_ups")
    # Reason codes from the instrument's follow-up rules (Reason labels the shipped survey's);
    # one response can be low on empathy and a detractor at once.
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["clinic", "status"], name="follow_up_clinic_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", handled_at__isnull=True)
                | Q(status="handled", handled_at__isnull=False),
                name="follow_up_handled_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"Follow-up {self.pk} ({self.get_status_display()})"

    @property
    def reason_labels(self) -> list[str]:
        """The reasons as a manager reads them (a survey's own reason codes as they are)."""
        labels = dict(self.Reason.choices)
        return [str(labels.get(reason, reason)) for reason in self.reasons]


class CommentAnalysis(models.Model):
    """Sentiment and themes of one response's comment or testimonial, computed by a task.

    Clinic and local day are copied from the response so theme and sentiment trends aggregate
    in SQL without touching the responses table.
    """

    class Source(models.TextChoices):
        COMMENT = "comment", _("Comment")
        TESTIMONIAL = "testimonial", _("Testimonial")

    class Label(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEUTRAL = "neutral", _("Neutral")
        NEGATIVE = "negative", _("Negative")

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="analyses")
    source = models.CharField(max_length=16, choices=Source.choices)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    language = models.CharField(max_length=LANGUAGE_MAX_LENGTH, choices=language_choices)
    # -1 (most negative) .. 1 (most positive): VADER's compound score, or the Spanish lexicon's.
    sentiment_score = models.FloatField()
    sentiment_label = models.CharField(max_length=16, choices=Label.choices)
    analysed_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "source"], name="analysis_unique_source"),
            models.CheckConstraint(
                condition=Q(sentiment_score__gte=-1, sentiment_score__lte=1),
                name="analysis_sentiment_in_range",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "local_date"], name="analysis_clinic_day_idx")]

    def __str__(self) -> str:
        return f"{self.source} of response {self.response_id}: {self.sentiment_label}"


class CommentTheme(models.Model):
    """One theme tag of an analysed comment: a row per tag, so frequencies are a GROUP BY."""

    analysis = models.ForeignKey(CommentAnalysis, on_delete=models.CASCADE, related_name="themes")
    theme = models.CharField(max_length=40, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["analysis", "theme"], name="theme_unique_per_analysis")
        ]

    def __str__(self) -> str:
        return self.theme
