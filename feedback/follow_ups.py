"""Service recovery: responses a clinic's manager should follow up, and marking them handled."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import Signal
from django.utils import timezone

from feedback.audit import audit_record
from feedback.instrument_definition import InstrumentDefinition
from feedback.models import AuditEvent, Clinic, DimensionScore, FollowUp, Response
from feedback.scoring import nps_class

NOTE_MAX_LENGTH = 2000
# Sent inside the response's transaction with ``follow_up`` (just created). Other apps listen
# (integrations delivers webhooks) without feedback importing them; a receiver must defer any
# outside work to transaction.on_commit.
follow_up_opened = Signal()


def follow_up_reasons(
    *, definition: InstrumentDefinition, scores: Iterable[DimensionScore], has_comment: bool
) -> list[str]:
    """Why a response needs a follow-up (empty: it does not), by the follow-up rules of the
    instrument's dimensions. Pure over the stored scores."""
    rules = {d.id: d.follow_up for d in definition.dimensions if d.follow_up is not None}
    reasons: set[str] = set()
    for score in scores:
        rule = rules.get(score.dimension)
        if rule is None:
            continue
        if rule.below is not None and score.score < rule.below:
            reasons.add(rule.reason)
        if (
            rule.detractors_with_comment
            and has_comment
            and nps_class(round(score.mean)) == "detractor"
        ):
            reasons.add(rule.reason)
    return sorted(reasons)


def follow_up_open_if_needed(
    *,
    definition: InstrumentDefinition,
    response: Response,
    scores: Iterable[DimensionScore],
    testimonial_text: str = "",
) -> FollowUp | None:
    """Called inside response_submit's transaction, with the scores it just stored."""
    has_comment = bool(response.comment.strip() or testimonial_text.strip())
    reasons = follow_up_reasons(definition=definition, scores=scores, has_comment=has_comment)
    if not reasons:
        return None
    follow_up = FollowUp.objects.create(response=response, clinic=response.clinic, reasons=reasons)
    follow_up_opened.send(sender=FollowUp, follow_up=follow_up)
    return follow_up


@transaction.atomic
def follow_up_handle(*, follow_up: FollowUp, actor: AbstractBaseUser, note: str) -> FollowUp:
    """Mark a follow-up handled with the manager's note; handling it again updates the note."""
    locked = FollowUp.objects.select_for_update().select_related("clinic").get(pk=follow_up.pk)
    before = locked.status
    locked.status = FollowUp.Status.HANDLED
    locked.note = note.strip()[:NOTE_MAX_LENGTH]
    locked.handled_at = timezone.now()
    locked.handled_by = actor if actor.is_authenticated else None
    locked.save(update_fields=["status", "note", "handled_at", "handled_by"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.FOLLOW_UP_HANDLE,
        clinic=locked.clinic,
        target=f"follow_up:{locked.pk}",
        details={"status_before": before, "note": locked.note},
    )
    return locked


def follow_ups_for_clinics(
    *, clinics: QuerySet[Clinic], status: str = FollowUp.Status.OPEN
) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.filter(clinic__in=clinics, status=status)
        .select_related(
            "clinic",
            "response__clinic",
            "response__provider",
            "response__testimonial",
            "handled_by",
        )
        .order_by("created_at", "pk")
    )
