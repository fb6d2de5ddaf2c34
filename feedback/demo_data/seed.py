"""Build a year of demo visits, invitations and responses in Python and bulk-insert them.

Everything is drawn from one seeded random generator, so the same seed on the same day gives the
same data (invitation tokens excepted: they stay unguessable). Scores come from the same
score_response that response_submit uses, so stored scores equal those of a real submission.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import transaction

from compassion_portal.celery import enqueue_on_commit
from feedback.demo_data.logins import demo_users_ensure
from feedback.demo_data.manager_work import (
    demo_follow_ups_handle,
    demo_follow_ups_open,
    demo_stories_moderate,
)
from feedback.demo_data.pulse import demo_pulse_rounds_seed
from feedback.demo_data.story import (
    ANSWER_RATE,
    CLINICS,
    MANAGER_CLINIC_SLUG,
    VISIT_TYPES,
    WEEKDAY_VOLUME,
    ClinicPlan,
    demo_answers,
    dimension_levels,
)
from feedback.demo_data.texts import comment_for, testimonial_for
from feedback.instrument_definition import InstrumentDefinition, answers_problems
from feedback.invitations import contact_hash, token_for_salt, token_hash, token_salt_new
from feedback.models import (
    Channel,
    Clinic,
    DimensionScore,
    DirtyBucket,
    Instrument,
    Invitation,
    Provider,
    Response,
    Testimonial,
    Visit,
)
from feedback.pulse import STAFF_INSTRUMENT_SLUG
from feedback.rollup_buckets import ROLLUPS_DRAIN_DELAY_SECONDS, ROLLUPS_DRAIN_TASK
from feedback.scoring import DimensionResult, score_response
from feedback.services import (
    dimension_scores_unsaved,
    instrument_current,
    instrument_definition,
    instruments_load_shipped,
)
from feedback.testimonials import COMMENTS_COALESCE_SECONDS, COMMENTS_TASK, testimonial_create

BATCH = 1000
# The demo's patients write in the languages its comment and story texts exist in.
ENGLISH, SPANISH = "en", "es"


@dataclass
class DemoSummary:
    clinics: int = 0
    providers: int = 0
    visits: int = 0
    invitations: int = 0
    answered_invitations: int = 0
    responses: int = 0
    comments: int = 0
    testimonials: int = 0
    interventions: int = 0
    stories_approved: int = 0
    follow_ups: int = 0
    follow_ups_handled: int = 0
    buckets: int = 0
    staff_responses: int = 0  # in the staff pulse rounds, two past rounds per clinic
    seconds: float = 0.0
    logins: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _Rows:
    """Unsaved rows, linked by object so primary keys can be filled in after each insert."""

    visits: list[Visit] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    responses: list[tuple[Response, dict[str, DimensionResult]]] = field(default_factory=list)
    testimonials: list[tuple[int, str, str, str]] = field(default_factory=list)


class _Clock:
    """The demo's time frame: visits over the year up to two days before ``today``."""

    def __init__(self, today: dt.date):
        self.today = today
        self.end = dt.datetime.combine(today, dt.time(0), tzinfo=dt.UTC)
        self.days = [today - dt.timedelta(days=offset) for offset in range(365, 1, -1)]
        self.day_cum_weights = list(
            itertools.accumulate(WEEKDAY_VOLUME[day.weekday()] for day in self.days)
        )
        self.valid = dt.timedelta(days=settings.INVITATION_VALID_DAYS)
        self.remind = dt.timedelta(days=settings.INVITATION_REMINDER_AFTER_DAYS)

    def visit_at(self, rng: random.Random, plan: ClinicPlan) -> dt.datetime:
        """A moment in clinic hours (8:00-17:30, Saturday until 12:00), in UTC."""
        day = rng.choices(self.days, cum_weights=self.day_cum_weights)[0]
        closing = 12 * 60 if day.weekday() == 5 else 17 * 60 + 30
        minutes = rng.randrange(8 * 60, closing)
        local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=plan.tzinfo)
        return local.astimezone(dt.UTC)

    @staticmethod
    def sent_at(
        rng: random.Random, channel: str, visit_at: dt.datetime, plan: ClinicPlan
    ) -> dt.datetime:
        """A text goes out a few hours after the visit; an e-mail the next morning at 9:00-10:00."""
        if channel == Channel.SMS:
            return visit_at + dt.timedelta(minutes=rng.randrange(60, 240))
        next_day = visit_at.astimezone(plan.tzinfo).date() + dt.timedelta(days=1)
        morning = dt.datetime.combine(next_day, dt.time(9), tzinfo=plan.tzinfo)
        return (morning + dt.timedelta(minutes=rng.randrange(0, 60))).astimezone(dt.UTC)


def _planned(rng: random.Random, responses: int) -> list[tuple[ClinicPlan, str, bool]]:
    """(clinic, channel, answered) per visit: each response, plus unanswered invitations."""
    planned = []
    for _ in range(responses):
        plan = rng.choices(CLINICS, [c.volume for c in CLINICS])[0]
        channel = rng.choices(list(plan.channel_mix), list(plan.channel_mix.values()))[0]
        planned.append((plan, channel, True))
        if channel != Channel.QR:
            unanswered_per_answer = (1 - ANSWER_RATE[channel]) / ANSWER_RATE[channel]
            extra = int(unanswered_per_answer) + (rng.random() < unanswered_per_answer % 1)
            planned.extend((plan, channel, False) for _ in range(extra))
    return planned


def _invitation(
    rng: random.Random,
    clock: _Clock,
    *,
    visit: Visit,
    channel: str,
    plan: ClinicPlan,
    number: int,
    answered: bool,
) -> tuple[Invitation, dt.datetime]:
    """An invitation in the state the real flow leaves it, and when it was (or would be) answered.

    Contacts are erased once answered, reminded or expired, exactly as the product does.
    """
    sent_at = clock.sent_at(rng, channel, visit.occurred_at, plan)
    contact = (
        f"patient{number:06d}@example.org"
        if channel == Channel.EMAIL
        else f"+1555{rng.randrange(10**6, 10**7)}"
    )
    salt = token_salt_new()  # never from the seed: a token must stay unguessable
    invitation = Invitation(
        visit=visit,
        channel=channel,
        language=visit.preferred_language,
        token_salt=salt,
        token_hash=token_hash(token_for_salt(salt)),
        contact=contact,
        contact_hash=contact_hash(contact),
        created_at=sent_at,
        sent_at=sent_at,
        sent_local_date=sent_at.astimezone(plan.tzinfo).date(),
        expires_at=sent_at + clock.valid,
    )
    # Most answers come within hours of the message; a long tail after the reminder.
    delay = dt.timedelta(hours=min(rng.expovariate(1 / 14), clock.valid.days * 24 - 1))
    latest = clock.end - dt.timedelta(minutes=rng.randrange(1, 600))
    answered_at = max(min(sent_at + delay, latest), sent_at + dt.timedelta(minutes=2))
    reminded = (
        answered_at - sent_at >= clock.remind if answered else clock.end - sent_at >= clock.remind
    )
    if reminded:
        invitation.reminder_sent_at = sent_at + clock.remind
        invitation.contact, invitation.contact_erased_at = "", invitation.reminder_sent_at
    if answered:
        invitation.used_at = answered_at
        invitation.contact = ""
        invitation.contact_erased_at = invitation.contact_erased_at or answered_at
    elif clock.end >= invitation.expires_at and not invitation.contact_erased_at:
        invitation.contact, invitation.contact_erased_at = "", invitation.expires_at
    return invitation, answered_at


def _rows(
    rng: random.Random,
    clock: _Clock,
    *,
    responses: int,
    instrument: Instrument,
    definition: InstrumentDefinition,
    clinics: dict[str, Clinic],
    providers: dict[str, Provider],
) -> _Rows:
    rows = _Rows()
    for number, (plan, channel, answered) in enumerate(_planned(rng, responses), start=1):
        visit_at = clock.visit_at(rng, plan)
        language = SPANISH if rng.random() < plan.spanish_share else ENGLISH
        provider_plan, visit_type, invitation = None, "", None
        if channel == Channel.QR:  # the kiosk knows neither the provider nor the visit
            submitted_at = visit_at + dt.timedelta(minutes=rng.randrange(5, 45))
        else:
            provider_plan = rng.choices(plan.providers, [p.volume for p in plan.providers])[0]
            visit_type = rng.choices(list(VISIT_TYPES), list(VISIT_TYPES.values()))[0]
            visit = Visit(
                clinic=clinics[plan.slug],
                provider=providers[provider_plan.display_name],
                external_id=f"DEMO-{number:07d}",
                occurred_at=visit_at,
                visit_type=visit_type,
                preferred_language=language,
                created_at=visit_at,
            )
            rows.visits.append(visit)
            invitation, submitted_at = _invitation(
                rng,
                clock,
                visit=visit,
                channel=channel,
                plan=plan,
                number=number,
                answered=answered,
            )
            rows.invitations.append(invitation)
            if not answered:
                continue
        if rng.random() < 0.05:  # some patients switch language on the survey itself
            language = ENGLISH if language == SPANISH else SPANISH
        levels = dimension_levels(
            rng,
            plan=plan,
            provider=provider_plan,
            visit_type=visit_type,
            visit_day=visit_at.astimezone(plan.tzinfo).date(),
            today=clock.today,
        )
        answers = demo_answers(rng, definition, levels)
        if problems := answers_problems(definition, answers):
            raise AssertionError(f"demo answers do not fit the instrument: {problems}")
        stored = {item_id: value for item_id, value in answers.items() if value is not None}
        results = score_response(definition, stored)
        comment = comment_for(rng, results, language, visit_type)
        response = Response(
            instrument=instrument,
            clinic=clinics[plan.slug],
            provider=providers[provider_plan.display_name] if provider_plan else None,
            invitation=invitation,
            visit_type=visit_type,
            channel=channel,
            language=language,
            submitted_at=submitted_at,
            local_date=submitted_at.astimezone(plan.tzinfo).date(),
            answers=stored,
            comment=comment,
        )
        rows.responses.append((response, results))
        if comment and rng.random() < 0.06:
            text, consent, first_name = testimonial_for(
                rng, results, language, provider_plan.display_name if provider_plan else ""
            )
            if text:
                rows.testimonials.append((len(rows.responses) - 1, text, consent, first_name))
    return rows


def _store(rows: _Rows) -> tuple[list[Response], list[Testimonial]]:
    """Insert in dependency order, copying each parent's new primary key onto its children."""
    Visit.objects.bulk_create(rows.visits, batch_size=BATCH)
    for invitation in rows.invitations:
        # Assigning the object sets visit_id and keeps it cached; setting visit_id alone drops
        # the cache, and every later invitation.visit was a query (9,861 in the 5,000 seed).
        invitation.visit = invitation.visit
    Invitation.objects.bulk_create(rows.invitations, batch_size=BATCH)
    for response, _results in rows.responses:
        response.invitation_id = response.invitation.pk if response.invitation else None
    responses = Response.objects.bulk_create([r for r, _ in rows.responses], batch_size=BATCH)
    DimensionScore.objects.bulk_create(
        [
            score
            for response, (_row, results) in zip(responses, rows.responses, strict=True)
            for score in dimension_scores_unsaved(response, results)
        ],
        batch_size=BATCH,
    )
    # Through the same service as a real submission, so demo stories are redacted too.
    testimonials = []
    for index, text, consent, first_name in rows.testimonials:
        testimonial = testimonial_create(
            response=responses[index], text=text, consent=consent, first_name=first_name
        )
        testimonial.created_at = responses[index].submitted_at
        testimonial.save(update_fields=["created_at"])
        testimonials.append(testimonial)
    return responses, testimonials


def _interventions_record(
    clinics: dict[str, Clinic], providers: dict[str, Provider], today: dt.date
) -> int:
    """Each clinic's intervention, dated as the answers' change. The model is analytics' (by
    name: feedback never imports analytics); no audit row, as nobody recorded it."""
    intervention_model = apps.get_model("analytics", "Intervention")
    count = 0
    for plan in CLINICS:
        planned = plan.intervention
        if planned is None:
            continue
        intervention = intervention_model.objects.create(
            clinic=clinics[plan.slug],
            title=planned.title,
            kind=planned.kind,
            start_date=planned.start(today),
            end_date=planned.end(today) if planned.length_days > 1 else None,
            note=planned.note,
        )
        intervention.providers.set([providers[name] for name in planned.providers])
        count += 1
    return count


@transaction.atomic
def demo_data_seed(*, responses: int, seed: int, today: dt.date) -> DemoSummary:
    """Create the demo clinics, providers, users and ``responses`` responses before ``today``,
    plus two past staff pulse rounds per clinic (their answers are not counted in ``responses``).

    Also marks every (clinic, day) it filled as a DirtyBucket and enqueues the aggregation on
    commit, so the demo data is aggregated exactly as real submissions are.
    """
    started = time.monotonic()
    rng = random.Random(seed)
    instruments_load_shipped()
    instrument = instrument_current()
    clinics, providers = {}, {}
    for plan in CLINICS:
        clinic = Clinic.objects.create(name=plan.name, slug=plan.slug, timezone=plan.timezone)
        clinics[plan.slug] = clinic
        for number, person in enumerate(plan.providers, start=1):
            providers[person.display_name] = Provider.objects.create(
                clinic=clinic,
                display_name=person.display_name,
                role=person.role,
                external_id=f"{plan.slug[:2].upper()}-{number:03d}",
            )
    clock, definition = _Clock(today), instrument_definition(instrument)
    rows = _rows(
        rng,
        clock,
        responses=responses,
        instrument=instrument,
        definition=definition,
        clinics=clinics,
        providers=providers,
    )
    stored, testimonials = _store(rows)
    interventions = _interventions_record(clinics, providers, today)
    staff_instrument = instrument_current(STAFF_INSTRUMENT_SLUG)
    staff_responses = demo_pulse_rounds_seed(
        seed=seed,
        today=today,
        clinics=clinics,
        instrument=staff_instrument,
        definition=instrument_definition(staff_instrument),
    )
    follow_ups = demo_follow_ups_open(
        definition=definition,
        responses=stored,
        results=[results for _response, results in rows.responses],
        testimonial_texts={index: text for index, text, _, _ in rows.testimonials},
    )
    buckets = sorted(
        {(response.clinic_id, response.local_date) for response in stored}
        | {(i.visit.clinic_id, i.sent_local_date) for i in rows.invitations if i.sent_local_date}
    )
    DirtyBucket.objects.bulk_create(
        (DirtyBucket(clinic_id=clinic_id, local_date=day) for clinic_id, day in buckets),
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    # As response_submit does: the aggregation runs after commit (in-process in the demo).
    enqueue_on_commit(ROLLUPS_DRAIN_TASK, coalesce_seconds=ROLLUPS_DRAIN_DELAY_SECONDS)
    enqueue_on_commit(COMMENTS_TASK, coalesce_seconds=COMMENTS_COALESCE_SECONDS)
    logins = demo_users_ensure(manager_clinic=clinics[MANAGER_CLINIC_SLUG])
    follow_ups_handled = demo_follow_ups_handle(seed=seed, now=clock.end)
    stories_approved = demo_stories_moderate(seed=seed, now=clock.end)
    return DemoSummary(
        clinics=len(clinics),
        providers=len(providers),
        visits=len(rows.visits),
        invitations=len(rows.invitations),
        answered_invitations=sum(1 for invitation in rows.invitations if invitation.used_at),
        responses=len(stored),
        comments=sum(1 for response in stored if response.comment),
        testimonials=len(testimonials),
        interventions=interventions,
        stories_approved=stories_approved,
        follow_ups=len(follow_ups),
        follow_ups_handled=follow_ups_handled,
        buckets=len(buckets),
        staff_responses=staff_responses,
        seconds=time.monotonic() - started,
        logins=logins,
    )
