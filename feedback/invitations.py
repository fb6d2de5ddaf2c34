"""Invitations: tokens and contact hashes, creating, sending, reminding and erasing contacts.

A token is derived from INVITATION_KEY and the invitation's random salt; only its SHA-256 is
stored. The sender re-derives it when the message goes out, so the database alone never holds a
usable link, and a reminder can carry the same link as the first message.

The functions here hold the rules; feedback.tasks only calls them with ids.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.template.loader import select_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from feedback.models import Channel, Invitation, Visit
from feedback.rollup_buckets import clinic_local_date, rollup_buckets_mark_dirty
from feedback.sms import sms_send
from feedback.texts import language_fallbacks

logger = logging.getLogger(__name__)

# Channels that carry a contact and are sent; a QR invitation is handed over on paper.
SENT_CHANNELS = (Channel.EMAIL, Channel.SMS)
# An invitation still unsent this long after creation lost its on-commit task (broker down).
UNSENT_GRACE = dt.timedelta(minutes=10)
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()./-]+$")


def token_salt_new() -> str:
    return secrets.token_hex(16)


def token_for_salt(salt: str) -> str:
    digest = hmac.new(
        settings.INVITATION_KEY.encode(), f"invitation-token:{salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def contact_normalise(contact: str) -> str:
    """E-mail addresses lower-cased; phone numbers reduced to digits (with a leading +)."""
    contact = contact.strip()
    if "@" in contact:
        return contact.lower()
    digits = "".join(ch for ch in contact if ch.isdigit())
    return ("+" if contact.startswith("+") else "") + digits


def contact_hash(contact: str) -> str:
    return hmac.new(
        settings.INVITATION_KEY.encode(),
        f"contact:{contact_normalise(contact)}".encode(),
        hashlib.sha256,
    ).hexdigest()


class InvitationRefused(Exception):
    """The invitation must not be created; the message says why in plain words."""


class ContactInvalid(ValueError):
    """The e-mail address or phone number cannot be used for the channel."""


def contact_problem(*, channel: str, contact: str) -> str:
    """Why ``contact`` cannot be used on ``channel``, or "" when it can."""
    contact = contact.strip()
    if channel == Channel.QR:
        return ""
    if not contact:
        return f"a contact is needed for the {channel} channel"
    if channel == Channel.EMAIL:
        try:
            validate_email(contact)
        except ValidationError:
            return "the contact is not a valid e-mail address"
        return ""
    if channel == Channel.SMS:
        digits = sum(ch.isdigit() for ch in contact)
        if not _PHONE_CHARACTERS.match(contact) or not 7 <= digits <= 15:
            return "the contact is not a valid phone number"
        return ""
    return f"unknown channel '{channel}'"


def invited_recently(*, contact_hash: str, now: dt.datetime) -> bool:
    """Whether this contact (by keyed hash only) was invited in the last N days."""
    days = settings.INVITATION_MIN_DAYS_BETWEEN
    if not contact_hash or days == 0:
        return False
    since = now - dt.timedelta(days=days)
    return Invitation.objects.filter(contact_hash=contact_hash, created_at__gt=since).exists()


def _contact_hash_lock(hashed: str) -> None:
    """Serialise concurrent imports of one contact so both cannot pass the 30-day check.

    A transaction-scoped advisory lock on PostgreSQL; SQLite already serialises writers.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(hashed[:15], 16)])


@transaction.atomic
def invitation_create(
    *,
    visit: Visit,
    channel: str,
    contact: str = "",
    language: str = "",
    now: dt.datetime | None = None,
) -> Invitation:
    """Create the visit's invitation with a fresh token; nothing is sent here.

    Raises InvitationRefused when the same contact (compared by keyed hash, never in clear) was
    invited within settings.INVITATION_MIN_DAYS_BETWEEN days, and ContactInvalid for an unusable
    contact. A QR invitation keeps no contact at all.
    """
    now = now or timezone.now()
    if channel not in Channel.values:
        raise ContactInvalid(f"unknown channel '{channel}'")
    hashed = ""
    if channel == Channel.QR:
        contact = ""
    else:
        if problem := contact_problem(channel=channel, contact=contact):
            raise ContactInvalid(problem)
        contact = contact_normalise(contact)
        hashed = contact_hash(contact)
        _contact_hash_lock(hashed)
        if invited_recently(contact_hash=hashed, now=now):
            raise InvitationRefused(
                f"this contact was invited in the last {settings.INVITATION_MIN_DAYS_BETWEEN} days"
            )
    salt = token_salt_new()
    return Invitation.objects.create(
        visit=visit,
        channel=channel,
        language=language or visit.preferred_language,
        token_salt=salt,
        token_hash=token_hash(token_for_salt(salt)),
        contact=contact,
        contact_hash=hashed,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
    )


def invitation_url(invitation: Invitation) -> str:
    """The absolute survey link for this invitation (its token is re-derived, never stored)."""
    token = token_for_salt(invitation.token_salt)
    try:
        path = reverse("feedback:survey_invitation", args=[token])
    except NoReverseMatch:
        path = f"/s/{token}/"
    return settings.SITE_URL + path


def _rendered(invitation: Invitation, *, kind: str, part: str) -> str:
    """One message text, in the invitation's language, from templates/feedback/email/.

    A language without its own messages gets the nearest one (feedback.texts), dates included:
    the text and its month names are in the same language.
    """
    clinic = invitation.visit.clinic
    context = {
        "clinic_name": clinic.name,
        "visit_date": timezone.localtime(invitation.visit.occurred_at, clinic.tzinfo).date(),
        "valid_until": timezone.localtime(invitation.expires_at, clinic.tzinfo).date(),
        "link": invitation_url(invitation),
    }
    names = [
        f"feedback/email/{kind}_{part}.{lang}.txt"
        for lang in language_fallbacks(invitation.language)
    ]
    template = select_template(names)
    language = template.origin.template_name.rsplit(".", 2)[-2]
    with translation.override(language):
        return template.render(context).strip()


class MessageNotDelivered(OSError):
    """A message could not be sent. It names the invitation and the kind of error only: the
    transport's own error (e.g. SMTPRecipientsRefused) quotes the patient's address, which must
    never reach a log line or the broker. An OSError, so the tasks retry it."""


def _deliver(invitation: Invitation, *, kind: str) -> None:
    """Send the invitation or reminder message on the invitation's channel."""
    if invitation.channel not in SENT_CHANNELS:
        raise ValueError(f"{invitation.channel} invitations are not sent")
    try:
        if invitation.channel == Channel.EMAIL:
            subject = " ".join(_rendered(invitation, kind=kind, part="subject").split())
            body = _rendered(invitation, kind=kind, part="body") + "\n"
            EmailMessage(subject=subject, body=body, to=[invitation.contact]).send()
        else:
            sms_send(invitation.contact, _rendered(invitation, kind=kind, part="sms"))
    except Exception as exc:
        error = type(exc).__name__
        raise MessageNotDelivered(
            f"{kind} for invitation {invitation.pk} was not delivered ({error})"
        ) from None


def _locked(invitation_id: int) -> Invitation | None:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("visit__clinic")
        .filter(pk=invitation_id)
        .first()
    )


@transaction.atomic
def invitation_send(*, invitation_id: int, now: dt.datetime | None = None) -> bool:
    """Send the first message; False when it was already sent or can no longer be sent.

    The row is locked and sent_at checked under the lock, so a task delivered twice (or the
    periodic catch-up racing the on-commit task) sends one message.
    """
    now = now or timezone.now()
    invitation = _locked(invitation_id)
    if (
        invitation is None
        or invitation.sent_at is not None
        or invitation.used_at is not None
        or invitation.is_expired(now)
        or invitation.channel not in SENT_CHANNELS
        or not invitation.contact
    ):
        return False
    _deliver(invitation, kind="invitation")
    invitation.sent_at = now
    invitation.sent_local_date = clinic_local_date(invitation.visit.clinic, now)
    invitation.save(update_fields=["sent_at", "sent_local_date"])
    rollup_buckets_mark_dirty(invitation.visit.clinic, invitation.sent_local_date)
    return True


def invitations_due_for_reminder(*, now: dt.datetime) -> QuerySet[Invitation]:
    """Sent, unanswered, unexpired, not yet reminded, and sent at least N days ago."""
    sent_before = now - dt.timedelta(days=settings.INVITATION_REMINDER_AFTER_DAYS)
    return Invitation.objects.filter(
        channel__in=SENT_CHANNELS,
        sent_at__lte=sent_before,
        reminder_sent_at__isnull=True,
        used_at__isnull=True,
        expires_at__gt=now,
    ).exclude(contact="")


@transaction.atomic
def invitation_reminder_send(*, invitation_id: int, now: dt.datetime | None = None) -> bool:
    """Send the one reminder and erase the contact; False when no reminder is due."""
    now = now or timezone.now()
    invitation = _locked(invitation_id)
    if (
        invitation is None
        or not invitations_due_for_reminder(now=now).filter(pk=invitation.pk).exists()
    ):
        return False
    _deliver(invitation, kind="reminder")
    invitation.reminder_sent_at = now
    invitation.contact = ""
    invitation.contact_erased_at = now
    invitation.save(update_fields=["reminder_sent_at", "contact", "contact_erased_at"])
    return True


def invitation_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send every due reminder, each in its own transaction; returns how many went out.

    One failing message (a refused address, a provider outage) is logged and retried on the
    next run; it must not stop the reminders of everyone else.
    """
    now = now or timezone.now()
    sent = 0
    for invitation_id in list(invitations_due_for_reminder(now=now).values_list("pk", flat=True)):
        try:
            sent += invitation_reminder_send(invitation_id=invitation_id, now=now)
        except Exception:
            logger.exception("Reminder for invitation %s failed; retried next run", invitation_id)
    return sent


def invitation_contacts_erase(*, now: dt.datetime | None = None) -> int:
    """Erase the contact of invitations answered, expired or reminded; returns how many."""
    now = now or timezone.now()
    finished = Q(used_at__isnull=False) | Q(expires_at__lte=now) | Q(reminder_sent_at__isnull=False)
    return (
        Invitation.objects.filter(finished)
        .exclude(contact="")
        .update(contact="", contact_erased_at=now)
    )


def invitations_unsent_send(*, now: dt.datetime | None = None) -> int:
    """Send invitations whose on-commit task was lost (broker down); returns how many went out."""
    now = now or timezone.now()
    pending = (
        Invitation.objects.filter(
            channel__in=SENT_CHANNELS,
            sent_at__isnull=True,
            used_at__isnull=True,
            expires_at__gt=now,
            created_at__lte=now - UNSENT_GRACE,
        )
        .exclude(contact="")
        .values_list("pk", flat=True)
    )
    sent = 0
    for invitation_id in list(pending):
        try:
            sent += invitation_send(invitation_id=invitation_id, now=now)
        except Exception:
            logger.exception("Invitation %s could not be sent; retried next run", invitation_id)
    return sent
