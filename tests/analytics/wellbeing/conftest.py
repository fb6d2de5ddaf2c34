"""Rounds of the staff pulse with answers, for the wellbeing pages' tests."""

import datetime as dt

import pytest
from django.utils import timezone

from feedback import pulse
from feedback.pulse import pulse_response_submit, pulse_round_open
from feedback.services import instrument_current

# Everything "Agree" (reverse items "Disagree"), except the two burnout items set per person.
BASE_ANSWERS = {
    "cs_meaning": 4,
    "cs_difference": 4,
    "stress_carry_home": 2,
    "stress_set_aside": 4,
    "time_enough": 4,
    "time_hurried": 2,
    "support_team": 4,
    "support_leaders": 4,
}


def staff_answers(energy: int, worn_out: int = 3) -> dict[str, int]:
    """Burnout score = ((energy + (6 - worn_out)) / 2 - 1) / 4 * 100."""
    return {**BASE_ANSWERS, "burnout_energy": energy, "burnout_worn_out": worn_out}


@pytest.fixture
def staff_instrument(instrument):
    return instrument_current(pulse.STAFF_INSTRUMENT_SLUG)


def round_with_answers(clinic, *, days_ago: int, energies, length: int = 20):
    """A round that closed ``days_ago`` days ago, answered once per value in ``energies``."""
    today = timezone.localdate()
    closes_on = today - dt.timedelta(days=days_ago)
    pulse_round = pulse_round_open(
        clinic=clinic, opens_on=closes_on - dt.timedelta(days=length), closes_on=closes_on
    )
    for energy in energies:
        answer_in(pulse_round, energy)
    return pulse_round


def answer_in(pulse_round, energy: int, worn_out: int = 3):
    """One staff answer at noon of the round's first day (so a closed round still takes it)."""
    at = dt.datetime.combine(pulse_round.opens_on, dt.time(12), tzinfo=pulse_round.clinic.tzinfo)
    return pulse_response_submit(
        pulse_round=pulse_round,
        answers=staff_answers(energy, worn_out),
        language="en",
        now=at,
    )
