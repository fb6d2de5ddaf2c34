"""What the demo's managers have already done: follow-ups opened by the survey's own rules and
mostly handled, stories approved for each clinic's wall; the last days' left for the visitor.

Kept apart from the response generator (seed.py) and drawn from its own random generator, so
the responses stay the same whatever is done here. Every change goes through the service a
manager's click calls (audited), then its times are set back to when a manager would have
clicked, so the demo's history reads as a year of real use.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence

from django.contrib.auth import get_user_model

from feedback.follow_ups import follow_up_handle, follow_up_reasons
from feedback.instrument_definition import InstrumentDefinition
from feedback.models import AuditEvent, ClinicMembership, FollowUp, Response, Testimonial
from feedback.scoring import DimensionResult
from feedback.services import dimension_scores_unsaved
from feedback.testimonials import testimonial_approve, testimonial_reject

# Recent items stay for the visitor to act on: follow-ups of the last two weeks, stories of the
# last six weeks; older ones were handled (a few were forgotten, as in any clinic).
FOLLOW_UP_OPEN_DAYS = 14
FOLLOW_UP_HANDLED_SHARE = 0.97
STORY_PENDING_DAYS = 45
STORY_REJECTED_SHARE = 0.08
HANDLED_NOTES = (
    "Called the patient; apologised and booked a longer follow-up visit.",
    "Left a voicemail, then spoke the next day. Shared with the provider at the team huddle.",
    "Patient asked for a call back about results; nurse called the same afternoon.",
    "Discussed with the front desk team: we now tell patients when the doctor runs late.",
    "Llamamos a la paciente en español; quedó agradecida y pidió otra cita.",
    "Reviewed with the provider; added to next month's communication training.",
)


def demo_follow_ups_open(
    *,
    definition: InstrumentDefinition,
    responses: Sequence[Response],
    results: Sequence[Mapping[str, DimensionResult]],
    testimonial_texts: Mapping[int, str],
) -> list[FollowUp]:
    """One follow-up per response that breaks the survey's follow-up rules, as response_submit
    opens them (follow_up_reasons is the same rule), dated when the response came in.

    ``testimonial_texts`` maps a response's index in ``responses`` to its story, if any.
    """
    follow_ups = []
    for index, (response, result) in enumerate(zip(responses, results, strict=True)):
        has_comment = bool(response.comment.strip() or testimonial_texts.get(index, "").strip())
        reasons = follow_up_reasons(
            definition=definition,
            scores=dimension_scores_unsaved(response, result),
            has_comment=has_comment,
        )
        if reasons:
            follow_ups.append(
                FollowUp(
                    response=response,
                    clinic_id=response.clinic_id,
                    reasons=reasons,
                    created_at=response.submitted_at,
                )
            )
    return FollowUp.objects.bulk_create(follow_ups, batch_size=1000)


def _actor_by_clinic():
    """Each clinic's manager acts for it; the demo admin for clinics without one."""
    users = get_user_model().objects
    admin = users.filter(is_superuser=True).order_by("pk").first()
    managers = {
        membership.clinic_id: membership.user
        for membership in ClinicMembership.objects.select_related("user").order_by("pk")
    }
    return lambda clinic_id: managers.get(clinic_id, admin)


def _working_hours_after(rng: random.Random, moment: dt.datetime, *, days: int) -> dt.datetime:
    return moment + dt.timedelta(days=rng.randint(0, days), hours=rng.randint(1, 8))


def demo_follow_ups_handle(*, seed: int, now: dt.datetime) -> int:
    """Handle most follow-ups older than FOLLOW_UP_OPEN_DAYS with a note; returns how many."""
    rng = random.Random(f"{seed}:follow-ups")
    actor_for = _actor_by_clinic()
    handled = 0
    cutoff = now - dt.timedelta(days=FOLLOW_UP_OPEN_DAYS)
    for follow_up in FollowUp.objects.filter(created_at__lt=cutoff).order_by("created_at", "pk"):
        if rng.random() > FOLLOW_UP_HANDLED_SHARE:
            continue
        follow_up_handle(
            follow_up=follow_up,
            actor=actor_for(follow_up.clinic_id),
            note=rng.choice(HANDLED_NOTES),
        )
        when = min(_working_hours_after(rng, follow_up.created_at, days=3), now)
        FollowUp.objects.filter(pk=follow_up.pk).update(handled_at=when)
        AuditEvent.objects.filter(
            action=AuditEvent.Action.FOLLOW_UP_HANDLE, target=f"follow_up:{follow_up.pk}"
        ).update(created_at=when)
        handled += 1
    return handled


def demo_stories_moderate(*, seed: int, now: dt.datetime) -> int:
    """Approve most stories older than STORY_PENDING_DAYS (a few rejected); returns approvals.

    Approved stories whose patients consented to publication are what each clinic's public
    wall shows; the rest wait in the moderation queue."""
    rng = random.Random(f"{seed}:stories")
    actor_for = _actor_by_clinic()
    approved = 0
    cutoff = now - dt.timedelta(days=STORY_PENDING_DAYS)
    for testimonial in (
        Testimonial.objects.filter(created_at__lt=cutoff, status=Testimonial.Status.PENDING)
        .select_related("response")
        .order_by("created_at", "pk")
    ):
        actor = actor_for(testimonial.response.clinic_id)
        if rng.random() < STORY_REJECTED_SHARE:
            testimonial_reject(testimonial=testimonial, actor=actor, reason="Not about our care")
            action = AuditEvent.Action.TESTIMONIAL_REJECT
        else:
            testimonial_approve(testimonial=testimonial, actor=actor)
            action = AuditEvent.Action.TESTIMONIAL_APPROVE
            approved += 1
        when = min(_working_hours_after(rng, testimonial.created_at, days=5), now)
        Testimonial.objects.filter(pk=testimonial.pk).update(moderated_at=when)
        AuditEvent.objects.filter(action=action, target=f"testimonial:{testimonial.pk}").update(
            created_at=when
        )
    return approved
