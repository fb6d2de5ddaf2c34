"""The demo's clinics, providers and the small model its answers come from.

The effects are what a manager should be able to find on the dashboard: Dr. Chen's patients feel
rushed, Dr. Hale scores low on empathy, Dr. Novak low on respect, Mondays and winter are busier,
and each clinic improves after its recorded intervention: Prairie Creek's empathy after an active
listening workshop 75 days ago, Harbor Point's communication after protecting time for questions
60 days ago, and Dr. Novak's respect after coaching 55 days ago (his colleagues are the comparison).
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass, field

from feedback.instrument_definition import InstrumentDefinition
from feedback.models import Channel, Provider, VisitType

LIKERT_DIMENSIONS = ("empathy", "communication", "respect", "time", "trust")
# Visits per weekday (Monday first): busiest on Monday, open Saturday mornings, closed Sunday.
WEEKDAY_VOLUME = (1.3, 1.0, 1.0, 1.0, 0.9, 0.35, 0.0)
WEEKDAY_EFFECT = {0: {"time": -0.35, "communication": -0.1}, 4: {"time": -0.1}}
WINTER_EFFECT = {"time": -0.15}
VISIT_TYPES = {
    VisitType.ROUTINE: 45,
    VisitType.FOLLOW_UP: 25,
    VisitType.URGENT: 12,
    VisitType.TELEHEALTH: 10,
    VisitType.PROCEDURE: 5,
    VisitType.OTHER: 3,
}
VISIT_TYPE_EFFECT = {
    VisitType.URGENT: {"time": -0.25, "empathy": -0.1},
    VisitType.TELEHEALTH: {"communication": -0.15, "empathy": -0.1},
}
# Share of invitations answered, per channel, so a response rate is derivable.
ANSWER_RATE = {Channel.EMAIL: 0.32, Channel.SMS: 0.45}
# "Does not apply" is common for culture and shared decisions, rare elsewhere.
NOT_APPLICABLE_RATE = {"respect_culture": 0.12, "communication_decisions": 0.07}


@dataclass(frozen=True)
class ProviderPlan:
    display_name: str
    role: str
    volume: float
    effect: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoIntervention:
    """An intervention the seed records, and the change in answers that follows it."""

    title: str
    kind: str  # an analytics Intervention.Kind value (feedback does not import analytics)
    days_ago: int  # its first day, counted back from the seed day
    effect: dict[str, float]  # per dimension, on the 1-5 scale, from the day after it ends
    length_days: int = 1
    providers: tuple[str, ...] = ()  # display names; none: the whole clinic
    note: str = ""

    def start(self, today: dt.date) -> dt.date:
        return today - dt.timedelta(days=self.days_ago)

    def end(self, today: dt.date) -> dt.date:
        return self.start(today) + dt.timedelta(days=self.length_days - 1)

    def applies(self, *, visit_day: dt.date, today: dt.date, provider: str | None) -> bool:
        covered = not self.providers or provider in self.providers
        return covered and visit_day > self.end(today)


@dataclass(frozen=True)
class ClinicPlan:
    name: str
    slug: str
    timezone: str
    volume: float
    spanish_share: float
    channel_mix: dict[str, float]
    base: float
    providers: tuple[ProviderPlan, ...]
    intervention: DemoIntervention | None = None

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


P = Provider.Role
CLINICS = (
    ClinicPlan(
        name="Harbor Point Family Medicine",
        slug="harbor-point",
        timezone="America/New_York",
        volume=0.42,
        spanish_share=0.12,
        channel_mix={Channel.EMAIL: 0.5, Channel.SMS: 0.3, Channel.QR: 0.2},
        base=0.1,
        providers=(
            ProviderPlan("Dr. Sarah Whitfield", P.PHYSICIAN, 1.3, {"empathy": 0.4, "trust": 0.2}),
            ProviderPlan(
                "Dr. Michael Chen", P.PHYSICIAN, 1.4, {"time": -0.8, "communication": -0.25}
            ),
            ProviderPlan("Lauren Brooks, NP", P.NURSE_PRACTITIONER, 1.0, {"communication": 0.15}),
            ProviderPlan("James O'Neill, RN", P.NURSE, 0.7),
            ProviderPlan("Dr. Aisha Rahman", P.PHYSICIAN, 1.1, {"respect": 0.25}),
        ),
        intervention=DemoIntervention(
            "Protected time for questions",
            "process_change",
            days_ago=60,
            effect={"communication": 0.5, "trust": 0.2},
            note="Five minutes at the end of every visit kept free for the patient's questions.",
        ),
    ),
    ClinicPlan(
        name="Prairie Creek Community Clinic",
        slug="prairie-creek",
        timezone="America/Chicago",
        volume=0.33,
        spanish_share=0.25,
        channel_mix={Channel.EMAIL: 0.3, Channel.SMS: 0.35, Channel.QR: 0.35},
        base=-0.3,
        providers=(
            ProviderPlan("Dr. Robert Hale", P.PHYSICIAN, 1.4, {"empathy": -0.55, "trust": -0.2}),
            ProviderPlan("Dr. Elena Vasquez", P.PHYSICIAN, 1.2, {"empathy": 0.3}),
            ProviderPlan("Kevin Larson, PA-C", P.PHYSICIAN_ASSISTANT, 1.0, {"time": -0.35}),
            ProviderPlan("Megan Ruiz, RN", P.NURSE, 0.8),
            ProviderPlan("Tom Becker, LCSW", P.THERAPIST, 0.6, {"empathy": 0.45, "time": 0.35}),
        ),
        intervention=DemoIntervention(
            "Active listening workshop",
            "training",
            days_ago=75,
            length_days=2,
            effect={"empathy": 0.5, "communication": 0.35, "time": 0.45, "trust": 0.25},
            note="Two half-days for every clinician: listening without interrupting.",
        ),
    ),
    ClinicPlan(
        name="Mesa Verde Community Health",
        slug="mesa-verde",
        timezone="America/Denver",
        volume=0.25,
        spanish_share=0.55,
        channel_mix={Channel.EMAIL: 0.2, Channel.SMS: 0.55, Channel.QR: 0.25},
        base=0.15,
        providers=(
            ProviderPlan("Dra. Lucía Morales", P.PHYSICIAN, 1.3, {"empathy": 0.35, "respect": 0.4}),
            ProviderPlan("Dr. Daniel Kim", P.PHYSICIAN, 1.1),
            ProviderPlan("Rosa Delgado, NP", P.NURSE_PRACTITIONER, 1.0, {"communication": 0.3}),
            ProviderPlan(
                "Dr. Peter Novak", P.PHYSICIAN, 1.0, {"respect": -0.5, "communication": -0.3}
            ),
            ProviderPlan("Ana Jiménez, RN", P.NURSE, 0.7, {"empathy": 0.15}),
            ProviderPlan("Marcus Green, PA-C", P.PHYSICIAN_ASSISTANT, 0.6, {"time": 0.2}),
        ),
        intervention=DemoIntervention(
            "Respect coaching",
            "coaching",
            days_ago=55,
            effect={"respect": 0.8, "communication": 0.4},
            providers=("Dr. Peter Novak",),
            note="Four coaching sessions after patients' comments about feeling dismissed.",
        ),
    ),
)
MANAGER_CLINIC_SLUG = "prairie-creek"  # the clinic with the improvement story


def dimension_levels(
    rng: random.Random,
    *,
    plan: ClinicPlan,
    provider: ProviderPlan | None,
    visit_type: str,
    visit_day: dt.date,
    today: dt.date,
) -> dict[str, float]:
    """Each dimension's expected answer (1-5 scale) for one patient."""
    halo = rng.gauss(0, 0.55)  # some patients rate everything higher or lower
    effects = [
        provider.effect if provider else {},
        WEEKDAY_EFFECT.get(visit_day.weekday(), {}),
        VISIT_TYPE_EFFECT.get(visit_type, {}),
        WINTER_EFFECT if visit_day.month in (12, 1, 2) else {},
    ]
    if plan.intervention and plan.intervention.applies(
        visit_day=visit_day, today=today, provider=provider.display_name if provider else None
    ):
        effects.append(plan.intervention.effect)
    return {
        dimension: 4.05 + plan.base + halo + sum(effect.get(dimension, 0.0) for effect in effects)
        for dimension in LIKERT_DIMENSIONS
    }


def demo_answers(
    rng: random.Random, definition: InstrumentDefinition, levels: dict[str, float]
) -> dict[str, int | None]:
    """One patient's answers (None for 'does not apply'): item noise around each level."""
    answers: dict[str, int | None] = {}
    for item in definition.items:
        if item.dimension not in levels:
            continue
        if item.allow_na and rng.random() < NOT_APPLICABLE_RATE.get(item.id, 0.015):
            answers[item.id] = None
            continue
        value = min(
            item.scale.max, max(item.scale.min, round(levels[item.dimension] + rng.gauss(0, 0.55)))
        )
        # A reverse item is answered in its own direction ("I felt rushed": agreeing is bad).
        answers[item.id] = item.scale.min + item.scale.max - value if item.reverse else value
    overall = sum(levels.values()) / len(levels)
    recommend = definition.items_of(definition.recommend_dimensions[0].id)[0]
    value = round(10 * (overall - 1.1) / 3.2 + rng.gauss(0, 1.3))  # NPS about +50 overall
    answers[recommend.id] = min(recommend.scale.max, max(recommend.scale.min, value))
    return answers
