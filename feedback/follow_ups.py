"""Service recovery: responses a clinic's manager should follow up, and marking them handled."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from feedback.audit import audit_record
from feedback.models import AuditEvent, Clinic, DimensionScore, FollowUp, Response
from feedback.scoring import nps_class

# A dimension scored below this on the 0-100 scale (below "Good" = 50 on a 1-5 scale, i.e. mostly
# "Fair" or "Poor" answers) asks for a follow-up.
LOW_SCORE_BELOW = 50.0
_LOW_DIMENSIONS = {
    "empathy": FollowUp.Reason.LOW_EMPATHY,
    "trust": FollowUp.Reason.LOW_TRUST,
}
RECOMMEND_DIMENSION = "recommend"
NOTE_MAX_LENGTH = 2000


def follow_up_reasons(
    *, scores: Iterable[DimensionScore], has_comment: bool
) -> list[str]:
    """Why a response needs a follow-up (empty: it does not). Pure over the stored scores."""
    reasons: list[str] = []
    for score in scores:
        reason = _LOW_DIMENSIONS.get(score.dimension)
        if reason is not None and score.score < LOW_SCORE_BELOW:
            reasons.append(reason)
        elif (score.dimension == RECOMMEND_DIMENSION and has_comment
              and nps_class(round(score.mean)) == "detractor"):
            reasons.append(FollowUp.Reason.DETRACTOR_COMMENT)
    return sorted(reasons)


def follow_up_open_if_needed(
    *, response: Response, scores: Iterable[DimensionScore], testimonial_text: str = ""
) -> FollowUp | None:
    """Called inside response_submit's transaction, with the scores it just stored."""
    has_comment = bool(response.comment.strip() or testimonial_text.strip())
    reasons = follow_up_reasons(scores=scores, has_comment=has_comment)
    if not reasons:
        return None
    return FollowUp.objects.create(response=response, clinic=response.clinic, reasons=reasons)


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
        actor=actor, action=AuditEvent.Action.FOLLOW_UP_HANDLE, clinic=locked.clinic,
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
            "clinic", "response__clinic", "response__provider", "response__testimonial",
            "handled_by",
        )
        .order_by("created_at", "pk")
    )
