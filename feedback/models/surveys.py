"""Surveys and answers: instrument versions, invitations, responses and their scores."""

from django.db import models
from django.utils import timezone as django_timezone

from feedback.models.places import (
    LANGUAGE_MAX_LENGTH,
    Channel,
    Clinic,
    Provider,
    Visit,
    VisitType,
    language_choices,
)
from feedback.texts import FALLBACK_LANGUAGE


class Instrument(models.Model):
    """One version of a survey definition, loaded from feedback/instruments/*.json.

    A definition is never edited in place: a change is a new version, so old responses keep the
    scores of the version they answered.
    """

    slug = models.SlugField(max_length=80)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    definition = models.JSONField()
    definition_sha256 = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    loaded_at = models.DateTimeField(default=django_timezone.now, editable=False)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="instrument_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Invitation(models.Model):
    """A single-use link to the survey for one visit.

    Only a hash of the token is stored. The token itself is derived from INVITATION_KEY and
    token_salt when a message is sent (see feedback.invitations), so a copy of the database alone
    cannot answer anyone's survey, and a reminder can repeat the same link.
    """

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="invitation")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    language = models.CharField(
        max_length=LANGUAGE_MAX_LENGTH, choices=language_choices, default=FALLBACK_LANGUAGE
    )
    token_salt = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Erased (set to "") once answered, expired, or reminded; never copied to a response.
    contact = models.CharField(max_length=254, blank=True)
    # Keyed hash of the normalised contact: enforces "at most one invitation per 30 days".
    contact_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(default=django_timezone.now, editable=False, db_index=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # The clinic's local day of sent_at: the day whose response rate counts this invitation.
    sent_local_date = models.DateField(null=True, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    contact_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["sent_at", "used_at"], name="invitation_sent_used_idx"),
            models.Index(fields=["sent_local_date"], name="invitation_sent_local_idx"),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.visit}"

    def is_expired(self, now=None) -> bool:
        return (now or django_timezone.now()) >= self.expires_at


class Response(models.Model):
    """One patient's (or, with pulse_round, one staff member's) answers; nothing identifies them."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="responses")
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    # Unique: the database itself guarantees one response per invitation.
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )
    visit_type = models.CharField(max_length=32, choices=VisitType.choices, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    language = models.CharField(max_length=LANGUAGE_MAX_LENGTH, choices=language_choices)
    # A staff wellbeing pulse answer (never a patient's): kept out of every patient rollup.
    pulse_round = models.ForeignKey(
        "feedback.PulseRound",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
    )
    # Staff pulse only: the staff member's role group, kept only when the round invited at
    # least STAFF_MIN_GROUP_SIZE people of that group (else "").
    role_group = models.CharField(max_length=60, blank=True)
    submitted_at = models.DateTimeField(default=django_timezone.now, db_index=True)
    # The day in the clinic's timezone: the bucket the response is aggregated into.
    local_date = models.DateField()
    # {item_id: integer value}; absent ("does not apply" or unanswered) items are left out.
    answers = models.JSONField(default=dict)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["clinic", "local_date"], name="response_clinic_day_idx")]

    def __str__(self) -> str:
        return f"Response {self.pk} ({self.clinic}, {self.local_date})"


class DimensionScore(models.Model):
    """A response's score on one dimension, stored so the database can aggregate it."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="scores")
    dimension = models.CharField(max_length=40)
    # Mean of the answered items on the instrument's raw scale (reverse items already flipped);
    # for a percent-positive dimension 1.0 when the answer is positive, else 0.0.
    mean = models.FloatField()
    # The same on the 0-100 "linear mean" scale shown to people (percent positive: 100 or 0).
    score = models.FloatField()
    answered_items = models.PositiveSmallIntegerField()
    top_box_items = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "dimension"], name="score_unique_dimension")
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.score:.1f}"


class DirtyBucket(models.Model):
    """A (clinic, local day) whose aggregates must be recomputed.

    Written in the same transaction as the response, so a change is never lost even when the
    broker is down; many submissions to one bucket leave one row, which one task drains.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    marked_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "local_date"], name="dirty_bucket_unique")
        ]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.local_date}"
