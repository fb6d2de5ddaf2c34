"""The staff wellbeing pulse: opening rounds, staff links, anonymous answers, erasing contacts.

Answers go through the patients' engine (services.response_submit) into the same Response and
DimensionScore rows, with only the round on them. A staff member's link is single-use: the
invitation is claimed with a conditional UPDATE in the submission's transaction, which also
erases its e-mail address; the response never points at the invitation.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from feedback.models import Channel, Clinic, Instrument, PulseRound, Response, StaffInvitation
from feedback.services import instrument_current, instrument_definition, response_submit

STAFF_INSTRUMENT_SLUG = "staff-pulse"


class RoundClosed(Exception):
    """The round is not taking answers (not yet open, or past its closing date)."""


class StaffLinkUnavailable(Exception):
    """The staff link was used already (or its round is gone)."""


def pulse_token_for_salt(salt: str) -> str:
    """A link token derived from INVITATION_KEY; a namespace of its own (not a patient token)."""
    digest = hmac.new(
        settings.INVITATION_KEY.encode(), f"pulse-token:{salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def pulse_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_salt_new() -> str:
    return secrets.token_hex(16)


def _salt_and_hash() -> tuple[str, str]:
    salt = token_salt_new()
    return salt, pulse_token_hash(pulse_token_for_salt(salt))


def pulse_round_open(
    *,
    clinic: Clinic,
    opens_on: dt.date,
    closes_on: dt.date,
    created_by=None,
    shared_link: bool = False,
    support_text: str = "",
    support_links: list[dict[str, str]] | None = None,
    instrument: Instrument | None = None,
) -> PulseRound:
    """Open a round of the staff pulse (the newest staff-pulse version unless one is given)."""
    instrument = instrument or instrument_current(STAFF_INSTRUMENT_SLUG)
    if not instrument_definition(instrument).is_staff:
        raise ValidationError("a pulse round needs a staff instrument")
    if closes_on < opens_on:
        raise ValidationError("a round cannot close before it opens")
    salt, hashed = _salt_and_hash() if shared_link else ("", None)
    return PulseRound.objects.create(
        clinic=clinic,
        instrument=instrument,
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=created_by,
        shared_link_salt=salt,
        shared_link_token_hash=hashed,
        support_text=support_text,
        support_links=support_links or [],
    )


def pulse_shared_url(pulse_round: PulseRound) -> str:
    token = pulse_token_for_salt(pulse_round.shared_link_salt)
    return settings.SITE_URL + reverse("feedback:pulse_shared", args=[token])


def staff_invitation_url(invitation: StaffInvitation) -> str:
    token = pulse_token_for_salt(invitation.token_salt)
    return settings.SITE_URL + reverse("feedback:pulse_invitation", args=[token])


def _staff_invitation_deliver(invitation: StaffInvitation) -> None:
    pulse_round = invitation.round
    context = {
        "clinic_name": pulse_round.clinic.name,
        "closes_on": pulse_round.closes_on,
        "link": staff_invitation_url(invitation),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("feedback/email/pulse_subject.txt", context).split())
        body = render_to_string("feedback/email/pulse_body.txt", context).strip() + "\n"
    EmailMessage(subject=subject, body=body, to=[invitation.contact]).send()


@transaction.atomic
def staff_invitations_create(
    *, pulse_round: PulseRound, emails: list[str], send: bool = True, role_group: str = ""
) -> list[StaffInvitation]:
    """One single-use link per distinct valid address, e-mailed when ``send``.

    Addresses already invited to this round are skipped, so pasting the list twice is harmless.
    ``role_group`` (e.g. "Nursing") goes on each link; see pulse_response_submit for when an
    answer keeps it.
    """
    if pulse_round.contacts_erased_at is not None or not pulse_round.is_open():
        raise RoundClosed()
    wanted: dict[str, None] = {}
    for email in emails:
        email = email.strip().lower()
        if not email:
            continue
        validate_email(email)
        wanted.setdefault(email)
    existing = set(
        pulse_round.invitations.filter(contact__in=list(wanted)).values_list("contact", flat=True)
    )
    created = []
    for email in wanted:
        if email in existing:
            continue
        salt, hashed = _salt_and_hash()
        created.append(
            StaffInvitation.objects.create(
                round=pulse_round,
                token_salt=salt,
                token_hash=hashed,
                contact=email,
                role_group=role_group.strip()[:60],
            )
        )
    if send:
        now = timezone.now()
        for invitation in created:
            _staff_invitation_deliver(invitation)
            invitation.sent_at = now
            invitation.save(update_fields=["sent_at"])
    return created


def staff_invitation_by_token(token: str) -> StaffInvitation | None:
    return (
        StaffInvitation.objects.select_related("round__clinic", "round__instrument")
        .filter(token_hash=pulse_token_hash(token))
        .first()
    )


def pulse_round_by_shared_token(token: str) -> PulseRound | None:
    return (
        PulseRound.objects.select_related("clinic", "instrument")
        .filter(shared_link_token_hash=pulse_token_hash(token))
        .first()
    )


@transaction.atomic
def pulse_response_submit(
    *,
    pulse_round: PulseRound,
    answers: dict[str, int | None],
    language: str,
    invitation: StaffInvitation | None = None,
    now: dt.datetime | None = None,
) -> Response:
    """Store one staff member's answers; refused when the round is closed or the link used.

    The link's role group is kept on the answer only when the round invited at least
    STAFF_MIN_GROUP_SIZE people of that group: a smaller group would name its members.
    """
    now = now or timezone.now()
    if not pulse_round.is_open(now):
        raise RoundClosed()
    role_group = ""
    if invitation is not None:
        group = invitation.role_group
        invited = pulse_round.invitations.filter(role_group=group).count() if group else 0
        role_group = group if invited >= settings.STAFF_MIN_GROUP_SIZE else ""
        claimed = StaffInvitation.objects.filter(
            pk=invitation.pk, round=pulse_round, used=False
        ).update(used=True, contact="", contact_erased=True)
        if claimed != 1:
            raise StaffLinkUnavailable()
    response = response_submit(
        instrument=pulse_round.instrument,
        clinic=pulse_round.clinic,
        answers=answers,
        language=language,
        channel=Channel.EMAIL if invitation is not None else Channel.QR,
        pulse_round=pulse_round,
        now=now,
    )
    # Only the day is kept: in a small team the minute an answer arrived (next to who was on
    # shift, or when a link was mailed) could say whose it is.
    day_start = dt.datetime.combine(
        response.local_date, dt.time(0), tzinfo=pulse_round.clinic.tzinfo
    )
    response.submitted_at = day_start.astimezone(dt.UTC)
    response.role_group = role_group
    response.save(update_fields=["submitted_at", "role_group"])
    return response


def pulse_contacts_erase(*, now: dt.datetime | None = None) -> int:
    """Erase every staff address of used invitations and of rounds past their closing date."""
    now = now or timezone.now()
    # A day of slack covers every clinic's time zone without reading each one.
    past = now.date() - dt.timedelta(days=1)
    closed = Q(round__closes_on__lt=past)
    erased = (
        StaffInvitation.objects.filter(closed | Q(used=True))
        .exclude(contact="")
        .update(contact="", contact_erased=True)
    )
    PulseRound.objects.filter(closes_on__lt=past, contacts_erased_at__isnull=True).update(
        contacts_erased_at=now
    )
    return erased


@transaction.atomic
def pulse_round_open_and_invite(
    *,
    clinic: Clinic,
    opens_on: dt.date,
    closes_on: dt.date,
    created_by,
    emails: list[str] | list[tuple[str, str]],
    shared_link: bool = False,
    support_text: str = "",
    support_links: list[dict[str, str]] | None = None,
) -> tuple[PulseRound, list[StaffInvitation]]:
    """A manager's "open a round": the round and its staff links, together or not at all.

    ``emails`` are addresses, or (address, role group) pairs."""
    pulse_round = pulse_round_open(
        clinic=clinic,
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=created_by,
        shared_link=shared_link,
        support_text=support_text,
        support_links=support_links,
    )
    by_group: dict[str, list[str]] = {}
    for entry in emails:
        email, group = (entry, "") if isinstance(entry, str) else entry
        by_group.setdefault(group, []).append(email)
    invitations = []
    for group, addresses in by_group.items():
        invitations += staff_invitations_create(
            pulse_round=pulse_round, emails=addresses, role_group=group
        )
    return pulse_round, invitations
