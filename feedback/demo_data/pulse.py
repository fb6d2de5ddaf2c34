"""Two past staff pulse rounds per demo clinic, so the wellbeing page has something to show.

Drawn from their own seeded generator (the patients' data stays exactly what it was), scored by
the same score_response a real staff answer goes through, and stored with only the round, as
the product stores them. Prairie Creek's staff feel less rushed after its programme, as its
patients do.
"""

from __future__ import annotations

import datetime as dt
import random

from feedback.demo_data.story import CLINICS
from feedback.instrument_definition import InstrumentDefinition, answers_problems
from feedback.models import Channel, Clinic, DimensionScore, Instrument, PulseRound, Response
from feedback.scoring import score_response
from feedback.services import dimension_scores_unsaved

# (days before today the round closes, its length in days); the programme started 150 days ago.
ROUNDS = ((180, 21), (30, 21))
RESPONDENTS = (6, 12)  # per round, inclusive: always at least the staff threshold's default
# Expected answer (1-5, higher = better wellbeing) per clinic and dimension, before and after.
WELLBEING: dict[str, tuple[dict[str, float], dict[str, float]]] = {
    "harbor-point": (
        {"compassion_satisfaction": 4.1, "burnout": 3.0, "secondary_stress": 3.3,
         "time_pressure": 2.4, "support": 3.6},
        {"compassion_satisfaction": 4.0, "burnout": 2.9, "secondary_stress": 3.3,
         "time_pressure": 2.3, "support": 3.5},
    ),
    "prairie-creek": (
        {"compassion_satisfaction": 3.6, "burnout": 2.4, "secondary_stress": 2.8,
         "time_pressure": 2.1, "support": 2.9},
        {"compassion_satisfaction": 3.9, "burnout": 3.1, "secondary_stress": 3.1,
         "time_pressure": 2.9, "support": 3.6},
    ),
    "mesa-verde": (
        {"compassion_satisfaction": 4.3, "burnout": 3.5, "secondary_stress": 3.4,
         "time_pressure": 3.1, "support": 4.0},
        {"compassion_satisfaction": 4.3, "burnout": 3.6, "secondary_stress": 3.5,
         "time_pressure": 3.2, "support": 4.1},
    ),
}  # fmt: skip
SUPPORT_TEXT = (
    "Thank you for taking a moment for this. If work has felt heavy lately, you are not alone: "
    "peer supporters are available every weekday, and the employee assistance programme is free "
    "and confidential."
)
SUPPORT_LINKS = [{"label": "Employee assistance programme", "url": "https://example.org/eap"}]


def _staff_answers(
    rng: random.Random, definition: InstrumentDefinition, levels: dict[str, float]
) -> dict[str, int]:
    """One staff member's answers around the clinic's levels; reverse items in their own sense."""
    mood = rng.gauss(0, 0.5)
    answers = {}
    for item in definition.items:
        scale = item.scale
        value = min(
            scale.max, max(scale.min, round(levels[item.dimension] + mood + rng.gauss(0, 0.6)))
        )
        answers[item.id] = scale.min + scale.max - value if item.reverse else value
    return answers


def demo_pulse_rounds_seed(
    *, seed: int, today: dt.date, clinics: dict[str, Clinic], instrument: Instrument,
    definition: InstrumentDefinition,
) -> int:  # fmt: skip
    """Create the rounds and their answers; returns how many staff responses were stored."""
    rng = random.Random(f"pulse:{seed}")
    responses: list[tuple[Response, dict]] = []
    for plan in CLINICS:
        clinic = clinics[plan.slug]
        for (closes_ago, length), levels in zip(ROUNDS, WELLBEING[plan.slug], strict=True):
            closes_on = today - dt.timedelta(days=closes_ago)
            opens_on = closes_on - dt.timedelta(days=length - 1)
            pulse_round = PulseRound.objects.create(
                clinic=clinic,
                instrument=instrument,
                opens_on=opens_on,
                closes_on=closes_on,
                support_text=SUPPORT_TEXT,
                support_links=SUPPORT_LINKS,
                contacts_erased_at=dt.datetime.combine(
                    closes_on + dt.timedelta(days=2), dt.time(3), tzinfo=dt.UTC
                ),
            )
            for _ in range(rng.randint(*RESPONDENTS)):
                answers = _staff_answers(rng, definition, levels)
                if problems := answers_problems(definition, answers):
                    raise AssertionError(f"demo staff answers do not fit: {problems}")
                day = opens_on + dt.timedelta(days=rng.randrange(length))
                # Only the day, as pulse_response_submit keeps it.
                local = dt.datetime.combine(day, dt.time(0), tzinfo=plan.tzinfo)
                response = Response(
                    instrument=instrument,
                    clinic=clinic,
                    channel=Channel.QR,
                    language="es" if rng.random() < plan.spanish_share / 2 else "en",
                    pulse_round=pulse_round,
                    submitted_at=local.astimezone(dt.UTC),
                    local_date=day,
                    answers=answers,
                )
                responses.append((response, score_response(definition, answers)))
    stored = Response.objects.bulk_create([response for response, _ in responses])
    DimensionScore.objects.bulk_create(
        [
            score
            for response, (_row, results) in zip(stored, responses, strict=True)
            for score in dimension_scores_unsaved(response, results)
        ]
    )
    return len(stored)
