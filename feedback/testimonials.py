"""Testimonials: redaction on submit, moderation, purge of the original, withdrawal and kudos.

Every state change here runs in one transaction with its audit event, under a row lock, so two
moderators clicking at once leave one consistent row and two honest audit entries.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from compassion_portal.celery import enqueue_on_commit
from feedback.audit import audit_record
from feedback.models import AuditEvent, Clinic, CommentAnalysis, Provider, Response, Testimonial
from feedback.redaction import redact

# 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L): 31^8, about 8.5e11 codes,
# and the withdrawal page is rate-limited, so guessing someone's code is not practical.
WITHDRAWAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
WITHDRAWAL_CODE_LENGTH = 8
PUBLIC_CONSENTS = (Testimonial.Consent.ANONYMOUS, Testimonial.Consent.FIRST_NAME)
# Words of thanks that make a named provider's mention a kudos (English and Spanish stems).
_THANKS = re.compile(
    r"\b(?:thank|thanks|grateful|gratitude|appreciat|kind|wonderful|amazing|excellent|"
    r"gracias|agradec|amable|maravillos|excelente|estupend)",
    re.I,
)
COMMENTS_TASK = "analytics.tasks_comments.comments_analyse_pending"
COMMENTS_COALESCE_SECONDS = 5


class ModerationRefused(Exception):
    """The requested change does not apply to the testimonial in its current state."""


def withdrawal_code_new() -> str:
    """A short code the patient can copy from the thank-you page, shown as ABCD-EFGH."""
    raw = "".join(secrets.choice(WITHDRAWAL_ALPHABET) for _ in range(WITHDRAWAL_CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def withdrawal_code_normalise(code: str) -> str:
    """Upper case without spaces or dashes, so "abcd efgh" finds "ABCD-EFGH"."""
    return re.sub(r"[\s-]", "", code).upper()[: 2 * WITHDRAWAL_CODE_LENGTH]


def withdrawal_code_hash(code: str) -> str:
    """Keyed hash of the normalised code: the database alone cannot withdraw anything."""
    key = settings.INVITATION_KEY.encode()
    message = b"testimonial-withdrawal:" + withdrawal_code_normalise(code).encode()
    return hmac.new(key, message, "sha256").hexdigest()


def _clinic_names(clinic: Clinic) -> dict[int, str]:
    return dict(Provider.objects.filter(clinic=clinic).values_list("pk", "display_name"))


def provider_names_by_clinic(clinic_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """{clinic id: {provider id: name}} in one query, for redacting a page of comments."""
    names: dict[int, dict[int, str]] = defaultdict(dict)
    for clinic_id, pk, name in Provider.objects.filter(clinic_id__in=set(clinic_ids)).values_list(
        "clinic_id", "pk", "display_name"
    ):
        names[clinic_id][pk] = name
    return names


def comment_redacted(*, response: Response, provider_names: dict[int, str] | None = None) -> str:
    """A response's comment with personal data hidden, for staff pages (comments are stored as
    written, since only the clinic reads them, but nobody needs the names and numbers in them).
    Pass ``provider_names`` (from provider_names_by_clinic) when redacting many comments."""
    clinic = response.clinic
    if provider_names is None:
        provider_names = _clinic_names(clinic)
    return redact(response.comment, providers=provider_names, keep_words=clinic.name.split()).text


def testimonial_create(
    *,
    response: Response,
    text: str,
    consent: str,
    first_name: str = "",
    withdrawal_code: str = "",
) -> Testimonial:
    """Store a testimonial with its redacted text; the original is kept for admins only.

    Called inside response_submit's transaction. A provider named in words of thanks is
    remembered as kudos for that provider (shown once the testimonial is approved).
    """
    original = text.strip()
    clinic = response.clinic
    redaction = redact(original, providers=_clinic_names(clinic), keep_words=clinic.name.split())
    thanked = (
        Provider.objects.get(pk=redaction.providers_named[0])
        if redaction.providers_named and _THANKS.search(original)
        else None
    )
    return Testimonial.objects.create(
        response=response,
        text=redaction.text,
        original_text=original,
        redactions=redaction.counts,
        consent=consent,
        first_name=first_name.strip() if consent == Testimonial.Consent.FIRST_NAME else "",
        withdrawal_code_hash=withdrawal_code_hash(withdrawal_code) if withdrawal_code else "",
        provider_thanked=thanked,
    )


def _locked(testimonial: Testimonial) -> Testimonial:
    return (
        Testimonial.objects.select_for_update(of=("self",))
        .select_related("response__clinic")
        .get(pk=testimonial.pk)
    )


def _moderate(
    *,
    testimonial: Testimonial,
    actor: AbstractBaseUser,
    status: str,
    action: str,
    allowed_from: tuple[str, ...],
    details: dict | None = None,
) -> Testimonial:
    locked = _locked(testimonial)
    if locked.status not in allowed_from:
        raise ModerationRefused(f"testimonial is {locked.status}")
    before = locked.status
    locked.status = status
    locked.moderated_at = timezone.now()
    locked.save(update_fields=["status", "moderated_at"])
    audit_record(
        actor=actor,
        action=action,
        clinic=locked.response.clinic,
        target=f"testimonial:{locked.pk}",
        details={"status_before": before, "status_after": status, **(details or {})},
    )
    return locked


@transaction.atomic
def testimonial_approve(*, testimonial: Testimonial, actor: AbstractBaseUser) -> Testimonial:
    """Approve the redacted text; it goes public only if the patient consented to that."""
    return _moderate(
        testimonial=testimonial,
        actor=actor,
        status=Testimonial.Status.APPROVED,
        action=AuditEvent.Action.TESTIMONIAL_APPROVE,
        allowed_from=(Testimonial.Status.PENDING, Testimonial.Status.REJECTED),
    )


@transaction.atomic
def testimonial_reject(
    *, testimonial: Testimonial, actor: AbstractBaseUser, reason: str = ""
) -> Testimonial:
    return _moderate(
        testimonial=testimonial,
        actor=actor,
        status=Testimonial.Status.REJECTED,
        action=AuditEvent.Action.TESTIMONIAL_REJECT,
        allowed_from=(Testimonial.Status.PENDING, Testimonial.Status.APPROVED),
        details={"reason": reason.strip()[:500]} if reason.strip() else None,
    )


@transaction.atomic
def testimonial_redaction_edit(
    *, testimonial: Testimonial, actor: AbstractBaseUser, text: str
) -> Testimonial:
    """Replace the redacted text (to hide what the automatic pass missed, or restore a word).

    The audit event keeps the text before and after, so every published word can be traced to
    a person. A withdrawn testimonial cannot be edited.
    """
    locked = _locked(testimonial)
    new_text = text.strip()
    if locked.status == Testimonial.Status.WITHDRAWN:
        raise ModerationRefused("testimonial was withdrawn")
    if not new_text:
        raise ModerationRefused("the text cannot be empty; reject the testimonial instead")
    if new_text == locked.text:
        return locked
    before = locked.text
    locked.text = new_text
    locked.moderated_at = timezone.now()
    locked.save(update_fields=["text", "moderated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TESTIMONIAL_EDIT,
        clinic=locked.response.clinic,
        target=f"testimonial:{locked.pk}",
        details={"before": before, "after": new_text},
    )
    # The stored sentiment and themes were of the old words: drop them; the task redoes them.
    CommentAnalysis.objects.filter(
        response_id=locked.response_id, source=CommentAnalysis.Source.TESTIMONIAL
    ).delete()
    enqueue_on_commit(COMMENTS_TASK, coalesce_seconds=COMMENTS_COALESCE_SECONDS)
    return locked


@transaction.atomic
def testimonial_original_purge(*, testimonial: Testimonial, actor: AbstractBaseUser) -> Testimonial:
    """Erase the unredacted original for good. Admins only: they are the only ones who see it."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Only an admin can purge the original text.")
    locked = _locked(testimonial)
    if locked.original_purged_at is not None:
        return locked
    length = len(locked.original_text)
    locked.original_text = ""
    locked.original_purged_at = timezone.now()
    locked.save(update_fields=["original_text", "original_purged_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.TESTIMONIAL_PURGE,
        clinic=locked.response.clinic,
        target=f"testimonial:{locked.pk}",
        details={"characters_erased": length},
    )
    return locked


@transaction.atomic
def testimonial_withdraw(*, code: str, now: dt.datetime | None = None) -> Testimonial | None:
    """Withdraw consent with the code from the thank-you page; None when no testimonial has it.

    The testimonial leaves the wall and the embed at once (they read status on every request),
    and its consent becomes private. Withdrawing twice is harmless.
    """
    if not withdrawal_code_normalise(code):
        return None
    testimonial = (
        Testimonial.objects.select_for_update(of=("self",))
        .select_related("response__clinic")
        .filter(withdrawal_code_hash=withdrawal_code_hash(code))
        .first()
    )
    if testimonial is None:
        return None
    if testimonial.status != Testimonial.Status.WITHDRAWN:
        before = testimonial.status
        testimonial.status = Testimonial.Status.WITHDRAWN
        testimonial.consent = Testimonial.Consent.PRIVATE
        testimonial.withdrawn_at = now or timezone.now()
        testimonial.save(update_fields=["status", "consent", "withdrawn_at"])
        audit_record(
            actor=None,
            action=AuditEvent.Action.TESTIMONIAL_WITHDRAW,
            clinic=testimonial.response.clinic,
            target=f"testimonial:{testimonial.pk}",
            details={"status_before": before},
        )
    return testimonial


def testimonials_public(*, clinic: Clinic) -> QuerySet[Testimonial]:
    """What the wall and the embed may show: approved and consented, newest first."""
    return Testimonial.objects.filter(
        response__clinic=clinic,
        status=Testimonial.Status.APPROVED,
        consent__in=PUBLIC_CONSENTS,
    ).order_by("-moderated_at", "-pk")


def testimonials_for_moderation(
    *, clinics: QuerySet[Clinic], status: str = Testimonial.Status.PENDING
) -> QuerySet[Testimonial]:
    return (
        Testimonial.objects.filter(response__clinic__in=clinics, status=status)
        .select_related("response__clinic", "provider_thanked")
        .order_by("created_at", "pk")
    )


def provider_kudos(*, provider: Provider) -> QuerySet[Testimonial]:
    """Approved testimonials that thank this provider (private ones too: staff-only page)."""
    return Testimonial.objects.filter(
        provider_thanked=provider, status=Testimonial.Status.APPROVED
    ).order_by("-moderated_at", "-pk")


def kudos_digests_send(*, now: dt.datetime | None = None) -> int:
    """Send each opted-in provider their new kudos; returns how many digests went out.

    Clinicians value patients' thanks (the evidence that it lowers burnout is still thin, so we
    offer it without claiming that); a provider opts in on their admin page.
    """
    now = now or timezone.now()
    providers = (
        Provider.objects.filter(kudos_digest=True, is_active=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    return sum(kudos_digest_send(provider_id=pk, now=now) for pk in providers)


@transaction.atomic
def kudos_digest_send(*, provider_id: int, now: dt.datetime) -> int:
    """One provider's digest of approved thanks not mailed before (1 if sent, else 0).

    Only testimonials the patient let the clinic publish leave the portal by e-mail. Each is
    marked when mailed, in the same transaction as the provider's row lock, so a task that runs
    twice, or a redaction edited after approval, never mails the same thanks again.
    """
    provider = Provider.objects.select_for_update().select_related("clinic").get(pk=provider_id)
    kudos = list(
        provider_kudos(provider=provider)
        .filter(kudos_sent_at__isnull=True)
        .exclude(consent=Testimonial.Consent.PRIVATE)
    )
    if not kudos:
        return 0
    context = {"provider": provider, "kudos": kudos}
    send_mail(
        subject=render_to_string("feedback/email/kudos_digest_subject.txt", context).strip(),
        message=render_to_string("feedback/email/kudos_digest_body.txt", context),
        from_email=None,
        recipient_list=[provider.email],
    )
    Testimonial.objects.filter(pk__in=[t.pk for t in kudos]).update(kudos_sent_at=now)
    provider.kudos_digest_sent_at = now
    provider.save(update_fields=["kudos_digest_sent_at"])
    return 1
