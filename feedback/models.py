"""What the portal collects: clinics, providers, visits, invitations, instruments and responses.

No model here holds a patient's name. The only contact detail (an invitation's e-mail address or
phone number) lives on the invitation until it is answered, expires or has had its reminder.
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")
    QR = "qr", _("QR code / kiosk")


class VisitType(models.TextChoices):
    ROUTINE = "routine", _("Routine visit")
    FOLLOW_UP = "follow_up", _("Follow-up")
    URGENT = "urgent", _("Urgent care")
    TELEHEALTH = "telehealth", _("Telehealth")
    PROCEDURE = "procedure", _("Procedure")
    OTHER = "other", _("Other")


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone],
        help_text=_("IANA name, e.g. America/New_York; days are counted in this zone."),
    )
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class ClinicMembership(models.Model):
    """Who may see and manage a clinic's feedback. Admins (superusers) see every clinic."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Clinic manager")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinic_memberships"
    )
    clinic = models.ForeignKey("Clinic", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MANAGER)
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="membership_unique_user_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.clinic} ({self.get_role_display()})"


class Provider(models.Model):
    class Role(models.TextChoices):
        PHYSICIAN = "physician", _("Physician")
        NURSE = "nurse", _("Nurse")
        NURSE_PRACTITIONER = "nurse_practitioner", _("Nurse practitioner")
        PHYSICIAN_ASSISTANT = "physician_assistant", _("Physician assistant")
        THERAPIST = "therapist", _("Therapist")
        OTHER = "other", _("Other")

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="providers")
    display_name = models.CharField(max_length=200)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.PHYSICIAN)
    # The identifier the clinic's own systems use; lets visit imports find the provider.
    external_id = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    # Staff contact for the optional weekly kudos digest (patients' thanks); not a patient's.
    email = models.EmailField(blank=True)
    kudos_digest = models.BooleanField(
        default=False, help_text=_("Send a weekly e-mail with the thanks patients wrote.")
    )
    kudos_digest_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["clinic", "display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "external_id"],
                condition=~Q(external_id=""),
                name="provider_unique_external_id_per_clinic",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_role_display()})"


class Visit(models.Model):
    """An encounter to ask about. Deliberately carries no patient identity."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="visits")
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    # The clinic system's visit id; re-importing the same file finds the visit again.
    external_id = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    visit_type = models.CharField(
        max_length=32, choices=VisitType.choices, default=VisitType.ROUTINE
    )
    preferred_language = models.CharField(
        max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "external_id"], name="visit_unique_external_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clinic} visit {self.external_id}"


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
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    token_salt = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Erased (set to "") once answered, expired, or reminded; never copied to a response.
    contact = models.CharField(max_length=254, blank=True)
    # Keyed hash of the normalised contact: enforces "at most one invitation per 30 days".
    contact_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(default=django_timezone.now, editable=False, db_index=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    contact_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "used_at"], name="invitation_sent_used_idx")]

    def __str__(self) -> str:
        return f"Invitation for {self.visit}"

    def is_expired(self, now=None) -> bool:
        return (now or django_timezone.now()) >= self.expires_at


class Response(models.Model):
    """One patient's answers. Nothing in this row identifies the patient."""

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
    language = models.CharField(max_length=8, choices=Language.choices)
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
    # Mean of the answered items on the instrument's raw scale (reverse items already flipped).
    mean = models.FloatField()
    # The same on the 0-100 "linear mean" scale shown to people.
    score = models.FloatField()
    answered_items = models.PositiveSmallIntegerField()
    top_box_items = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "dimension"], name="score_unique_dimension")
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.score:.1f}"


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
    # A list of Reason values: one response can be low on empathy and a detractor at once.
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
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
    language = models.CharField(max_length=8, choices=Language.choices)
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
