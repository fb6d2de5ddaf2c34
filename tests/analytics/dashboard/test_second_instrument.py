"""A second instrument with other dimension ids goes through the same code as the patient
survey: loading, scoring, rollups, dashboard and exports.

The instrument is made up here (a "team pulse" a clinic asks as its survey; the shipped
staff-pulse, of the staff audience, is kept out of patient surveys instead, see
tests/feedback/test_staff_pulse.py) and loaded with the ordinary loader; the expected numbers
are worked out from the answers below with METHODS.md's formulas written out.
"""

import csv
import datetime as dt
import io
import math
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from analytics.exports.formats import export_chunks
from analytics.exports.services import ExportRequest
from analytics.models import DimensionRollup
from analytics.rollups.selectors import RollupFilter
from analytics.rollups.services import dirty_buckets_drain
from feedback.models import Clinic, FollowUp
from feedback.services import instrument_for_clinic, instrument_load, response_submit
from tests.conftest import manager_of

AGREE = {
    "en": {
        "1": "Strongly disagree",
        "2": "Disagree",
        "3": "Not sure",
        "4": "Agree",
        "5": "Strongly agree",
    }
}
PULSE = {
    "slug": "team-pulse",
    "version": 1,
    "name": {"en": "Staff pulse"},
    "languages": ["en"],
    "headline_dimension": "support",
    "scales": {
        "agree5": {"min": 1, "max": 5, "labels": AGREE},
        "overall5": {
            "min": 1,
            "max": 5,
            "na_label": {"en": "Don't know"},
            "labels": {
                "en": {
                    "1": "Very poor",
                    "2": "Poor",
                    "3": "Neither good nor poor",
                    "4": "Good",
                    "5": "Very good",
                }
            },
        },
    },
    "dimensions": [
        {
            "id": "wellbeing",
            "label": {"en": "Wellbeing"},
            "max_missing": 1,
            "follow_up": {"below": 25, "reason": "low_wellbeing"},
        },
        {"id": "support", "label": {"en": "Support"}},
        {
            "id": "overall",
            "label": {"en": "Place to work"},
            "kind": "percent_positive",
            "positive": [4, 5],
        },
    ],
    "items": [
        {
            "id": "wb_energy",
            "dimension": "wellbeing",
            "scale": "agree5",
            "allow_na": True,
            "text": {"en": "I have energy left at the end of a shift."},
        },
        {
            "id": "wb_balance",
            "dimension": "wellbeing",
            "scale": "agree5",
            "allow_na": True,
            "text": {"en": "My work leaves room for my life."},
        },
        {
            "id": "sup_manager",
            "dimension": "support",
            "scale": "agree5",
            "text": {"en": "My manager helps when I ask."},
        },
        {
            "id": "sup_alone",
            "dimension": "support",
            "scale": "agree5",
            "reverse": True,
            "text": {"en": "I am left alone with hard cases."},
        },
        {
            "id": "pulse_overall",
            "dimension": "overall",
            "scale": "overall5",
            "allow_na": True,
            "text": {"en": "How good a place to work is this clinic?"},
        },
    ],
}
# Twelve answers: (wb_energy, wb_balance, sup_manager, sup_alone, pulse_overall); None is
# "does not apply" / "don't know".
ANSWERS = [
    (4, 5, 5, 1, 5),
    (3, 3, 4, 2, 4),
    (2, None, 3, 3, 4),
    (5, 5, 5, 1, 5),
    (1, 1, 2, 5, 2),
    (4, 4, 4, 2, None),
    (3, 4, 3, 3, 3),
    (5, 4, 4, 2, 5),
    (2, 3, 3, 4, 1),
    (4, None, 5, 1, None),
    (3, 3, 4, 2, 4),
    (4, 5, 2, 4, 4),
]
ITEMS = ("wb_energy", "wb_balance", "sup_manager", "sup_alone", "pulse_overall")
DAY = dt.datetime(2026, 2, 10, 15, 0, tzinfo=dt.UTC)
PERIOD = {"period": "custom", "start": "2026-02-02", "end": "2026-03-01"}
Z = 1.959964
T_975_11 = 2.200985  # Student t, 97.5th percentile, 11 degrees of freedom (printed table)


def linear(values, *, reverse=()):
    flipped = [6 - v if i in reverse else v for i, v in enumerate(values) if v is not None]
    return 100 * (sum(flipped) / len(flipped) - 1) / 4


# By hand: wellbeing is the mean of the two items answered (one may be missing); support flips
# sup_alone (6 - value); "place to work" is positive for 4 or 5, of all 12 responses, the two
# "don't know" included.
WELLBEING = [linear(a[:2]) for a in ANSWERS]
SUPPORT = [linear(a[2:4], reverse=(1,)) for a in ANSWERS]
POSITIVE = sum(1 for a in ANSWERS if a[4] in (4, 5))  # 7 of 12


def t_interval(scores):
    n = len(scores)
    mean = sum(scores) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in scores) / (n - 1))
    return mean, mean - T_975_11 * sd / math.sqrt(n), mean + T_975_11 * sd / math.sqrt(n)


def wilson(count, n):
    p = count / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return p, centre - half, centre + half


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def pulse_clinic(instrument):
    """A clinic given the staff pulse (the patient survey is loaded too, and is the default)."""
    instrument_load(raw=PULSE)
    return Clinic.objects.create(name="Staff room", slug="staff-room", instrument_slug="team-pulse")


@pytest.fixture
def pulse_answered(pulse_clinic):
    pulse = instrument_for_clinic(pulse_clinic)
    for number, values in enumerate(ANSWERS):
        response_submit(
            instrument=pulse,
            clinic=pulse_clinic,
            language="en",
            answers=dict(zip(ITEMS, values, strict=True)),
            now=DAY + dt.timedelta(minutes=number),
        )
    dirty_buckets_drain()
    return pulse_clinic


def tile(page: str, key: str) -> str:
    found = re.search(rf'<li class="tile" id="tile-{key}">(.*?)</li>', page, re.S)
    assert found, f"no tile {key}"
    return found.group(1)


def figures(text: str) -> list[float]:
    """The tile's value, interval bounds and n, as shown."""
    shown = re.search(r'data-value="([^"]*)".*?95% CI (\S+) to (\S+)<.*?n = (\d+)', text, re.S)
    assert shown, text
    return [float(group.rstrip("%")) for group in shown.groups()]


def test_a_clinic_given_the_pulse_is_asked_the_pulse_and_others_the_patient_survey(
    client, pulse_clinic, clinic_a
):
    pulse_page = client.get(reverse("feedback:survey_kiosk", args=[pulse_clinic.slug]))
    patient_page = client.get(reverse("feedback:survey_kiosk", args=[clinic_a.slug]))
    assert "How good a place to work is this clinic?" in pulse_page.content.decode()
    assert "How kind were they to you?" not in pulse_page.content.decode()
    assert "How kind were they to you?" in patient_page.content.decode()


def test_a_clinic_cannot_be_given_a_survey_that_is_not_loaded(pulse_clinic):
    pulse_clinic.full_clean()
    pulse_clinic.instrument_slug = "team-pulse-2"
    with pytest.raises(ValidationError) as excinfo:
        pulse_clinic.full_clean()
    assert "instrument_slug" in excinfo.value.message_dict


def test_pulse_responses_are_scored_and_rolled_up_by_its_own_dimensions(pulse_answered):
    rollups = {row.dimension: row for row in DimensionRollup.objects.filter(clinic=pulse_answered)}
    assert set(rollups) == {"wellbeing", "support", "overall"}
    assert rollups["wellbeing"].n == 12
    assert rollups["wellbeing"].score_sum == pytest.approx(sum(WELLBEING))
    assert rollups["support"].score_sum == pytest.approx(sum(SUPPORT))
    # Every response counts for percent positive, "don't know" included.
    assert (rollups["overall"].n, rollups["overall"].score_sum) == (12, 100.0 * POSITIVE)
    # The pulse's own follow-up rule: wellbeing below 25 (the fifth answer: 1 and 1 -> 0).
    assert list(FollowUp.objects.values_list("reasons", flat=True)) == [["low_wellbeing"]]


def test_the_dashboard_shows_the_pulse_dimensions_with_hand_calculated_numbers(
    client, pulse_answered
):
    client.force_login(manager_of(pulse_answered, username="pulse_manager"))
    page = client.get(reverse("analytics:dashboard"), PERIOD).content.decode()

    for key, scores in (("wellbeing", WELLBEING), ("support", SUPPORT)):
        text = tile(page, key)
        mean, lower, upper = t_interval(scores)
        shown_mean, shown_lower, shown_upper, n = figures(text)
        assert shown_mean == pytest.approx(mean, abs=0.05)
        assert (shown_lower, shown_upper) == (
            pytest.approx(lower, abs=0.05),
            pytest.approx(upper, abs=0.05),
        )
        assert n == 12
    text = tile(page, "positive-overall")
    p, lower, upper = wilson(POSITIVE, 12)  # 7 of 12: 58.3%, 95% CI 32.0% to 80.7%
    assert "% positive (place to work)" in text
    assert figures(text) == [
        pytest.approx(100 * p, abs=0.05),
        pytest.approx(100 * lower, abs=0.05),
        pytest.approx(100 * upper, abs=0.05),
        12,
    ]
    # None of the patient survey's dimensions, and no NPS (the pulse has no such dimension).
    for absent in ("tile-empathy", "tile-nps", "Empathy", "Likely to recommend"):
        assert absent not in page
    # The funnel compares the definition's headline dimension, not the first one.
    assert "Support: providers compared (funnel plot)" in page
    assert 'id="id_instrument"' not in page  # one survey in view: nothing to choose


def test_a_manager_of_clinics_with_different_surveys_sees_one_survey_at_a_time(
    client, pulse_answered, clinic_a, full_answers, instrument
):
    response_submit(
        instrument=instrument, clinic=clinic_a, answers=full_answers, language="en", now=DAY
    )
    dirty_buckets_drain()
    client.force_login(manager_of(clinic_a, pulse_answered, username="both"))
    # Clinics in name order: Riverside (patient survey) before Staff room (pulse).
    first = client.get(reverse("analytics:dashboard"), PERIOD).content.decode()
    assert 'id="tile-empathy"' in first and 'id="tile-wellbeing"' not in first
    assert 'id="id_instrument"' in first
    pulse = client.get(
        reverse("analytics:dashboard"),
        {**PERIOD, "instrument": "team-pulse", "dimension": "empathy"},
    ).content.decode()
    assert 'id="tile-wellbeing"' in pulse and 'id="tile-empathy"' not in pulse
    # Only the pulse's clinic is counted: 12 responses, not 13.
    assert 'data-value="12"' in tile(pulse, "responses")


def _export(kind: str, clinic) -> list[dict]:
    where = RollupFilter(
        clinic_ids=(clinic.pk,), since=dt.date(2026, 2, 1), until=dt.date(2026, 2, 28)
    )
    export = ExportRequest(
        kind=kind, file_format="csv", where=where, granularity="month", full_precision=True
    )
    data = b"".join(chunk for _, chunk in export_chunks(export=export)).decode()
    return list(csv.DictReader(io.StringIO(data)))


def test_the_responses_export_holds_the_pulse_items_and_scores(pulse_answered):
    rows = _export("responses", pulse_answered)
    assert len(rows) == 12
    for row, values, wellbeing, support in zip(rows, ANSWERS, WELLBEING, SUPPORT, strict=True):
        assert [row[item] for item in ITEMS] == ["" if v is None else str(v) for v in values]
        assert float(row["score_wellbeing"]) == pytest.approx(wellbeing)
        assert float(row["score_support"]) == pytest.approx(support)
        assert float(row["score_overall"]) == (100.0 if values[4] in (4, 5) else 0.0)


def test_the_scores_export_holds_the_pulse_dimensions_and_percent_positive(pulse_answered):
    rows = {
        row["dimension"]: row
        for row in _export("scores", pulse_answered)
        if row["provider"] == "All providers"
    }
    assert set(rows) == {"wellbeing", "support", "overall"}
    mean, lower, upper = t_interval(WELLBEING)
    assert [float(rows["wellbeing"][c]) for c in ("mean", "mean_ci_lower", "mean_ci_upper")] == [
        pytest.approx(mean, abs=0.005),
        pytest.approx(lower, abs=0.005),
        pytest.approx(upper, abs=0.005),
    ]
    p, lower, upper = wilson(POSITIVE, 12)
    overall = rows["overall"]
    assert overall["n"] == "12"
    assert [
        float(overall[c]) for c in ("positive_pct", "positive_ci_lower", "positive_ci_upper")
    ] == [
        pytest.approx(100 * p, abs=0.005),
        pytest.approx(100 * lower, abs=0.005),
        pytest.approx(100 * upper, abs=0.005),
    ]
    assert rows["wellbeing"]["positive_pct"] == "" and overall["nps"] == ""
