"""State changes for instruments and responses, called alike by views, commands, tasks and tests."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from compassion_portal.celery import enqueue_on_commit
from feedback.follow_ups import follow_up_open_if_needed
from feedback.instrument_definition import (
    InstrumentDefinition,
    InstrumentDefinitionError,
    answers_problems,
    load_definition_file,
    parse_definition,
)
from feedback.invitations import token_hash
from feedback.models import (
    Channel,
    Clinic,
    DimensionScore,
    Instrument,
    Invitation,
    Provider,
    PulseRound,
    Response,
    Testimonial,
)
from feedback.rollup_buckets import clinic_local_date, rollup_buckets_mark_dirty
from feedback.scoring import DimensionResult, score_response
from feedback.testimonials import COMMENTS_COALESCE_SECONDS, COMMENTS_TASK, testimonial_create
from feedback.texts import FALLBACK_LANGUAGE, text_in

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"
# A burst of submissions waits this long for one aggregation task (well inside the 60 s promise).


class InvitationUnavailable(Exception):
    """The invitation was used or expired between showing the form and submitting it."""


class AnswersInvalid(ValueError):
    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(f"{k or 'answers'}: {v}" for k, v in problems.items()))


def _definition_sha256(raw: dict) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()


@transaction.atomic
def instrument_load(*, raw: dict) -> tuple[Instrument, bool]:
    """Store a definition as a new instrument version; (instrument, created).

    Loading the same version again is a no-op; loading different content under an existing
    version is refused, because responses already stored were scored with the old content.
    """
    definition = parse_definition(raw)
    sha = _definition_sha256(raw)
    existing = Instrument.objects.filter(slug=definition.slug, version=definition.version).first()
    if existing is not None:
        if existing.definition_sha256 != sha:
            raise InstrumentDefinitionError(
                [
                    f"{definition.slug} version {definition.version} is already loaded with"
                    " different content; give the changed definition a new version number"
                ]
            )
        return existing, False
    instrument = Instrument.objects.create(
        slug=definition.slug,
        version=definition.version,
        name=text_in(definition.name, FALLBACK_LANGUAGE),
        definition=raw,
        definition_sha256=sha,
    )
    return instrument, True


def instruments_load_shipped() -> list[Instrument]:
    """Load every definition file shipped in feedback/instruments/ (idempotent)."""
    loaded = []
    for path in sorted(INSTRUMENTS_DIR.glob("*.json")):
        load_definition_file(path)  # clear error naming the file if it is broken
        instrument, _ = instrument_load(raw=json.loads(path.read_text(encoding="utf-8")))
        loaded.append(instrument)
    return loaded


def instrument_slug_of(clinic: Clinic) -> str:
    """The instrument a clinic asks its patients: its own, else the default one."""
    return clinic.instrument_slug or settings.DEFAULT_INSTRUMENT_SLUG


def instrument_for_clinic(clinic: Clinic) -> Instrument:
    """The patients' instrument; a staff instrument is never one, whatever the slug says."""
    instrument = instrument_current(instrument_slug_of(clinic))
    if instrument_definition(instrument).is_staff:
        raise Instrument.DoesNotExist(f"'{instrument.slug}' is a staff survey, not for patients")
    return instrument


def instrument_current(slug: str | None = None) -> Instrument:
    """The newest active version of an instrument (the default one when no slug is given)."""
    slug = slug or settings.DEFAULT_INSTRUMENT_SLUG
    instrument = Instrument.objects.filter(slug=slug, is_active=True).order_by("-version").first()
    if instrument is None:
        raise Instrument.DoesNotExist(
            f"No active instrument '{slug}'. Run: python manage.py load_instruments"
        )
    return instrument


_DEFINITIONS: dict[tuple[int, str], InstrumentDefinition] = {}


def instrument_definition(instrument: Instrument) -> InstrumentDefinition:
    """The parsed definition; parsed once per process and version, not once per request."""
    key = (instrument.pk, instrument.definition_sha256)
    definition = _DEFINITIONS.get(key)
    if definition is None:
        definition = _DEFINITIONS[key] = parse_definition(instrument.definition)
    return definition


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("visit__clinic", "visit__provider")
        .filter(token_hash=token_hash(token))
        .first()
    )


def dimension_scores_unsaved(
    response: Response, results: dict[str, DimensionResult]
) -> list[DimensionScore]:
    """The rows that store a response's scores; the one mapping from scoring to storage."""
    return [
        DimensionScore(
            response=response,
            dimension=result.dimension,
            mean=result.mean,
            score=result.score,
            answered_items=result.answered_items,
            top_box_items=result.top_box_items,
        )
        for result in results.values()
    ]


@transaction.atomic
def response_submit(
    *,
    instrument: Instrument,
    clinic: Clinic,
    answers: dict[str, int | None],
    language: str,
    channel: str = Channel.QR,
    invitation: Invitation | None = None,
    provider: Provider | None = None,
    visit_type: str = "",
    comment: str = "",
    testimonial_text: str = "",
    testimonial_consent: str = Testimonial.Consent.PRIVATE,
    testimonial_first_name: str = "",
    testimonial_withdrawal_code: str = "",
    pulse_round: PulseRound | None = None,
    now: dt.datetime | None = None,
) -> Response:
    """Store one response with its scores (and testimonial) in one transaction.

    ``answers`` maps item id to a value, or None for "does not apply". For an invitation the
    row is claimed with a conditional UPDATE, so two concurrent submissions store one response;
    the loser gets InvitationUnavailable. The contact detail is erased in the same UPDATE.
    A testimonial is stored redacted (its withdrawal code, shown once to the patient, is hashed);
    a score that breaks one of the definition's follow-up rules opens a follow-up.
    A staff pulse answer (``pulse_round``, see feedback.pulse) is stored the same way, with no
    invitation, provider or testimonial, and never marks a patient rollup bucket.
    """
    now = now or timezone.now()
    definition = instrument_definition(instrument)
    if definition.is_staff != (pulse_round is not None):
        raise ValueError("a staff instrument is answered in a pulse round, and only there")
    if pulse_round is not None and (invitation or provider or testimonial_text.strip()):
        raise ValueError("a staff pulse response carries no invitation, provider or testimonial")
    problems = answers_problems(definition, answers)
    if len(comment) > definition.comment_max_length:
        problems["comment"] = f"longer than {definition.comment_max_length} characters"
    if problems:
        raise AnswersInvalid(problems)

    if invitation is not None:
        claimed = Invitation.objects.filter(
            pk=invitation.pk, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now, contact="", contact_erased_at=now)
        if claimed != 1:
            raise InvitationUnavailable()
        visit = invitation.visit
        clinic, provider, visit_type = visit.clinic, visit.provider, visit.visit_type
        channel = invitation.channel

    stored_answers = {item_id: value for item_id, value in answers.items() if value is not None}
    response = Response.objects.create(
        instrument=instrument,
        clinic=clinic,
        provider=provider,
        invitation=invitation,
        visit_type=visit_type,
        channel=channel,
        language=language,
        submitted_at=now,
        local_date=clinic_local_date(clinic, now),
        answers=stored_answers,
        comment=comment.strip(),
        pulse_round=pulse_round,
    )
    scores = DimensionScore.objects.bulk_create(
        dimension_scores_unsaved(response, score_response(definition, stored_answers))
    )
    if testimonial_text.strip():
        testimonial_create(
            response=response,
            text=testimonial_text,
            consent=testimonial_consent,
            first_name=testimonial_first_name,
            withdrawal_code=testimonial_withdrawal_code,
        )
    if pulse_round is None:  # a follow-up shows one answer's scores: never a staff member's
        follow_up_open_if_needed(
            definition=definition,
            response=response,
            scores=scores,
            testimonial_text=testimonial_text,
        )
    if response.comment or testimonial_text.strip():
        enqueue_on_commit(COMMENTS_TASK, coalesce_seconds=COMMENTS_COALESCE_SECONDS)
    if pulse_round is not None:
        return response
    # Last (see rollup_buckets_mark_dirty). An invitation counts as answered on the day it was
    # sent, whose response rate changes too.
    stale_days = [response.local_date]
    if invitation is not None and invitation.sent_local_date is not None:
        stale_days.append(invitation.sent_local_date)
    rollup_buckets_mark_dirty(clinic, *stale_days)
    return response
