"""The staff wellbeing pulse: rounds a clinic opens, and staff members' single-use links.

A staff response is an ordinary Response (same answers, same DimensionScore rows) carrying only
its round. Nothing ties it to an invitation: the invitation keeps no use time (only ``used``),
and its e-mail address is erased when it is used and when the round closes.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from feedback.models.places import Clinic
from feedback.models.surveys import Instrument


class PulseRound(models.Model):
    """One period (e.g. a quarter) in which a clinic's staff answer the wellbeing pulse."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="pulse_rounds")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    opens_on = models.DateField(_("opens on"))
    # The last day answers are taken, in the clinic's time zone.
    closes_on = models.DateField(_("closes on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)
    # The optional shared link for the whole clinic: only its salt and hash are stored.
    shared_link_salt = models.CharField(max_length=64, blank=True, editable=False)
    shared_link_token_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    # Shown after submitting: self-care and peer-support resources, edited by the clinic.
    support_text = models.TextField(_("support text"), blank=True)
    # [{"label": "...", "url": "https://..."}]
    support_links = models.JSONField(_("support links"), default=list, blank=True)
    contacts_erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="pulse_round_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.clinic} {self.opens_on}..{self.closes_on}"

    def is_open(self, now: dt.datetime | None = None) -> bool:
        today = django_timezone.localtime(now or django_timezone.now(), self.clinic.tzinfo).date()
        return self.opens_on <= today <= self.closes_on


class StaffInvitation(models.Model):
    """A staff member's single-use link to one round. Only the token's hash is stored."""

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="invitations")
    token_salt = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Erased ("") once used and when the round closes.
    contact = models.EmailField(blank=True)
    # e.g. "Nursing": copied to the answer only when the round invited enough of the group.
    role_group = models.CharField(_("role group"), max_length=60, blank=True)
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A flag, not a time: a use time would match the response's submitted_at.
    used = models.BooleanField(default=False)
    contact_erased = models.BooleanField(default=False)

    class Meta:
        ordering = ["round", "pk"]

    def __str__(self) -> str:
        return f"Staff invitation {self.pk} ({self.round})"
