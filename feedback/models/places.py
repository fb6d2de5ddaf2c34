"""Where care happens: clinics, their staff and managers, visits, and shared choices."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from feedback.texts import FALLBACK_LANGUAGE


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


# Fits every code in Django's own list (the longest, such as "zh-hans", have 7 characters); a
# longer one in settings.LANGUAGES fails `manage.py check` (fields.E009) rather than a save.
LANGUAGE_MAX_LENGTH = 8


def language_choices() -> list[tuple[str, str]]:
    """settings.LANGUAGES, the one list of languages.

    Model fields take this callable, not a copy: their migrations name the function, so adding
    a language to settings needs no migration.
    """
    return list(settings.LANGUAGES)


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


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
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("IANA name, e.g. America/New_York; days are counted in this zone."),
    )
    # The slug, not a version: the clinic moves to a new version of its survey when it is loaded.
    instrument_slug = models.SlugField(
        _("survey"),
        max_length=80,
        blank=True,
        db_index=False,
        help_text=_(
            "Slug of the survey this clinic's patients answer (its newest active "
            "version); empty: the default survey."
        ),
    )
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from feedback.models.surveys import Instrument  # surveys imports this module

        if (
            self.instrument_slug
            and not Instrument.objects.filter(slug=self.instrument_slug, is_active=True).exists()
        ):
            raise ValidationError(
                {"instrument_slug": _("No active survey has this slug. Load it first.")}
            )
        staff = Instrument.objects.filter(slug=self.instrument_slug, definition__audience="staff")
        if self.instrument_slug and staff.exists():
            raise ValidationError(
                {"instrument_slug": _("This is a staff survey; patients cannot be asked it.")}
            )

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
        max_length=LANGUAGE_MAX_LENGTH, choices=language_choices, default=FALLBACK_LANGUAGE
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
