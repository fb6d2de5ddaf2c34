"""The numbers the dashboard shows equal a hand calculation from the raw responses.

The expected values are worked out here from Response.answers with the METHODS.md formulas
written out (item lists from the instrument file, t quantiles from a printed table), never by
calling the code that the dashboard uses.
"""

import csv
import datetime as dt
import io
import math
import random
import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import reverse

from analytics.rollups.services import dirty_buckets_drain
from feedback.models import ClinicMembership, Invitation, Response, Visit
from feedback.rollup_buckets import clinic_local_date, rollup_buckets_mark_dirty
from feedback.services import instrument_definition, response_submit

PERIOD = {"period": "custom", "start": "2026-02-02", "end": "2026-03-01"}  # 28 days
PREVIOUS_DAY = dt.datetime(2026, 1, 20, 15, 0, tzinfo=dt.UTC)  # in 5 Jan - 1 Feb
WEEK_1 = dt.datetime(2026, 2, 3, 15, 0, tzinfo=dt.UTC)  # week starting Monday 2 Feb
WEEK_2 = WEEK_1 + dt.timedelta(days=7)

# From feedback/instruments/compassionate-care.v1.json: items per dimension, at most 1 missing.
EMPATHY = ("empathy_feelings", "empathy_person", "empathy_kindness")
TIME = ("time_enough", "time_rushed")  # time_rushed is reverse-scored on 1-5: 6 - value
# Student t, 97.5th percentile, from a printed table (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
T_975 = {10: 2.228139, 11: 2.200985, 22: 2.073873, 23: 2.068658}
Z = 1.959964


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def answers_for(definition, i: int) -> dict:
    rng = random.Random(1000 + i)
    answers = {
        item.id: rng.randint(0, 10) if item.scale.max == 10 else rng.choice([2, 3, 4, 4, 5, 5])
        for item in definition.items
    }
    if i % 7 == 3:
        answers["empathy_person"] = None  # one missing: still scored
    if i == 5:
        answers["empathy_feelings"] = answers["empathy_kindness"] = None  # two: not scored
    return answers


def seed(instrument, clinic, count, *, when=None):
    definition = instrument_definition(instrument)
    for i in range(count):
        moment = when or (WEEK_1 if i % 2 == 0 else WEEK_2)
        response_submit(
            instrument=instrument,
            clinic=clinic,
            answers=answers_for(definition, i),
            language="en",
            now=moment + dt.timedelta(minutes=i),
        )
    dirty_buckets_drain()


def hand_scores(clinic, dimension_items, *, since, until, reverse=()):
    """0-100 dimension scores from the raw answers: mean of the answered items (reverse items
    flipped to 6 - value) when at most one is missing, as 100 * (mean - 1) / 4."""
    scores = []
    rows = Response.objects.filter(clinic=clinic, local_date__range=(since, until))
    for response in rows.order_by("pk"):
        values = [
            (6 - response.answers[item]) if item in reverse else response.answers[item]
            for item in dimension_items
            if item in response.answers
        ]
        if len(dimension_items) - len(values) <= 1:
            scores.append(100 * (sum(values) / len(values) - 1) / 4)
    return scores


def mean_and_interval(scores):
    n = len(scores)
    mean = sum(scores) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in scores) / (n - 1))
    half = T_975[n - 1] * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def tile(page: str, key: str) -> str:
    return re.search(rf'<li class="tile" id="tile-{key}">(.*?)</li>', page, re.S).group(1)


def shown(text: str, pattern: str) -> list[float]:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return [float(group) for group in found.groups()]


def near(shown_value: float, expected: float, digits: int = 1) -> bool:
    """Equal at the precision shown (1 decimal: within 0.05)."""
    return abs(shown_value - expected) <= 0.5 * 10**-digits + 1e-9


def chart_rows(client, chart):
    response = client.get(reverse("analytics:dashboard_csv", args=[chart]), PERIOD)
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def seeded(instrument, clinic_a, clinic_b):
    seed(instrument, clinic_a, 24)
    seed(instrument, clinic_a, 12, when=PREVIOUS_DAY)
    seed(instrument, clinic_b, 15)
    for i in range(28):  # 20 sent in the period (13 answered), 8 before it (5 answered)
        sent = WEEK_1 if i < 20 else PREVIOUS_DAY
        visit = Visit.objects.create(clinic=clinic_a, external_id=f"V{i}", occurred_at=sent)
        Invitation.objects.create(
            visit=visit,
            channel="email",
            token_salt=f"s{i}",
            token_hash=f"h{i}",
            expires_at=sent + dt.timedelta(days=30),
            sent_at=sent,
            sent_local_date=clinic_local_date(clinic_a, sent),
            used_at=sent + dt.timedelta(hours=2) if (i < 13 or 20 <= i < 25) else None,
        )
    rollup_buckets_mark_dirty(
        clinic_a, clinic_local_date(clinic_a, WEEK_1), clinic_local_date(clinic_a, PREVIOUS_DAY)
    )
    dirty_buckets_drain()


@pytest.fixture
def manager_client(client, clinic_a):
    user = User.objects.create_user("manager-a", password="not-used-here")
    ClinicMembership.objects.create(user=user, clinic=clinic_a)
    client.force_login(user)
    return client


def test_dimension_tiles_equal_the_mean_and_t_interval_of_the_raw_answers(
    manager_client, seeded, clinic_a
):
    page = manager_client.get(reverse("analytics:dashboard"), PERIOD).content.decode()
    period = dict(since=dt.date(2026, 2, 2), until=dt.date(2026, 3, 1))
    before = dict(since=dt.date(2026, 1, 5), until=dt.date(2026, 2, 1))

    for key, items, flipped in (("empathy", EMPATHY, ()), ("time", TIME, ("time_rushed",))):
        scores = hand_scores(clinic_a, items, reverse=flipped, **period)
        mean, lower, upper = mean_and_interval(scores)
        previous = hand_scores(clinic_a, items, reverse=flipped, **before)
        text = tile(page, key)
        (value,) = shown(text, r'data-value="([\d.]+)"')
        low, high = shown(text, r"95% CI ([\d.]+) to ([\d.]+)")
        (change,) = shown(text, r"([+-][\d.]+) vs the previous 28 days")
        (n,) = shown(text, r"n = (\d+)")

        assert n == len(scores) == (23 if key == "empathy" else 24)
        assert near(value, mean) and near(low, lower) and near(high, upper), (key, text)
        assert near(change, mean - sum(previous) / len(previous)), (key, text)


def test_nps_tile_equals_promoters_minus_detractors_with_its_wald_interval(
    manager_client, seeded, clinic_a
):
    page = manager_client.get(reverse("analytics:dashboard"), PERIOD).content.decode()
    answers = [
        r.answers["recommend"]
        for r in Response.objects.filter(clinic=clinic_a, local_date__gte=dt.date(2026, 2, 2))
    ]
    n = len(answers)
    p = sum(a >= 9 for a in answers) / n
    d = sum(a <= 6 for a in answers) / n
    expected = 100 * (p - d)
    half = 100 * Z * math.sqrt((p + d - (p - d) ** 2) / n)

    text = tile(page, "nps")
    (value,) = shown(text, r'data-value="([+-]?\d+)"')
    low, high = shown(text, r"95% CI ([+-]?\d+) to ([+-]?\d+)")

    assert n == 24
    assert near(value, expected, 0) and near(low, expected - half, 0)
    assert near(high, expected + half, 0)


def test_response_rate_tile_equals_answered_over_sent_with_its_wilson_interval(
    manager_client, seeded
):
    page = manager_client.get(reverse("analytics:dashboard"), PERIOD).content.decode()
    answered, sent = 13, 20
    p = answered / sent
    centre = (p + Z**2 / (2 * sent)) / (1 + Z**2 / sent)
    half = Z / (1 + Z**2 / sent) * math.sqrt(p * (1 - p) / sent + Z**2 / (4 * sent**2))

    text = tile(page, "response_rate")
    (value,) = shown(text, r'data-value="([\d.]+)%"')
    low, high = shown(text, r"95% CI ([\d.]+)% to ([\d.]+)%")

    assert near(value, 100 * p) and near(low, 100 * (centre - half))
    assert near(high, 100 * (centre + half))
    assert "fewer than 10 responses before" in text  # 5 answered in the previous period


def test_weekly_trend_points_equal_each_weeks_mean_and_interval(manager_client, seeded, clinic_a):
    rows = {row["Period"]: row for row in chart_rows(manager_client, "trend-empathy")}

    for week_start, day in (("2026-02-02", WEEK_1), ("2026-02-09", WEEK_2)):
        local_day = day.date()
        scores = hand_scores(clinic_a, EMPATHY, since=local_day, until=local_day)
        mean, lower, upper = mean_and_interval(scores)
        row = rows[week_start]
        assert int(row["Responses"]) == len(scores)
        assert near(float(row["Score"]), mean)
        assert near(float(row["95% CI lower"]), lower)
        assert near(float(row["95% CI upper"]), upper)
    # A week without responses is empty, not hidden (issue 15: an empty cell protects nothing).
    assert rows["2026-02-16"]["Score"] == "" and rows["2026-02-16"]["Note"] == "no responses"


def test_funnel_limits_equal_target_plus_or_minus_z_sigma_over_root_n(
    client, seeded, clinic_a, clinic_b
):
    client.force_login(User.objects.create_superuser("boss", password="not-used-here"))
    period = dict(since=dt.date(2026, 2, 2), until=dt.date(2026, 3, 1))
    by_clinic = {c.name: hand_scores(c, EMPATHY, **period) for c in (clinic_a, clinic_b)}
    everyone = [score for scores in by_clinic.values() for score in scores]
    target = sum(everyone) / len(everyone)
    sigma = math.sqrt(sum((x - target) ** 2 for x in everyone) / (len(everyone) - 1))

    rows = {row["Unit"]: row for row in chart_rows(client, "funnel")}

    assert set(rows) == set(by_clinic)
    for name, scores in by_clinic.items():
        n, row = len(scores), rows[name]
        assert int(row["Responses"]) == n
        assert near(float(row["Value"]), sum(scores) / n)
        for column, z, sign in (
            ("95% lower limit", 1.959964, -1),
            ("95% upper limit", 1.959964, 1),
            ("99.8% lower limit", 3.090232, -1),
            ("99.8% upper limit", 3.090232, 1),
        ):
            assert near(float(row[column]), target + sign * z * sigma / math.sqrt(n)), column


def test_item_top_box_bars_equal_the_share_of_top_answers(manager_client, seeded, clinic_a):
    definition_texts = {
        "empathy_kindness": "How kind were they to you?",
        "time_rushed": "I felt rushed during my visit.",
    }
    rows = {row["Item"]: row for row in chart_rows(manager_client, "items")}
    current = Response.objects.filter(clinic=clinic_a, local_date__gte=dt.date(2026, 2, 2))

    for item, text in definition_texts.items():
        answers = [r.answers[item] for r in current if item in r.answers]
        top = 1 if item == "time_rushed" else 5  # a reverse item's top box is its lowest answer
        assert int(rows[text]["Valid answers"]) == len(answers)
        assert near(float(rows[text]["Top-box %"]), 100 * answers.count(top) / len(answers))


# 15 Jan - 1 Mar 2026 (46 days) covers February whole: its month rows and the days around it.
# The previous 46 days, 30 Nov 2025 - 14 Jan 2026, cover December whole.
MONTHS = {"period": "custom", "start": "2026-01-15", "end": "2026-03-01", "granularity": "month"}
DECEMBER = dt.datetime(2025, 12, 15, 15, 0, tzinfo=dt.UTC)
EDGE_BEFORE_DECEMBER = dt.datetime(2025, 11, 30, 15, 0, tzinfo=dt.UTC)


def test_a_view_over_whole_months_and_edge_days_equals_the_hand_calculation(
    manager_client, seeded, instrument, clinic_a
):
    seed(instrument, clinic_a, 11, when=DECEMBER)
    seed(instrument, clinic_a, 3, when=EDGE_BEFORE_DECEMBER)
    response = manager_client.get(reverse("analytics:dashboard"), MONTHS)
    tiles = {tile.key: tile for tile in response.context["dashboard"].tiles}
    trend = response.context["dashboard"].chart("trend-empathy")

    # 12 on 20 January (an edge day) and 24 in February (the month row).
    assert tiles["responses"].value == "36"
    assert tiles["responses"].change == "+22 (+157%) vs the previous 46 days"  # 36 - (11 + 3)
    # 20 invitations sent in February (13 answered); 8 on 20 January (5 answered).
    assert tiles["response_rate"].value == f"{100 * 18 / 28:.1f}%"
    by_month = {row[0]: row for row in trend.rows}
    for month, since, until in (
        ("2026-01-01", dt.date(2026, 1, 15), dt.date(2026, 1, 31)),
        ("2026-02-01", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    ):
        scores = hand_scores(clinic_a, EMPATHY, since=since, until=until)
        mean, lower, upper = mean_and_interval(scores)
        n, shown_mean, shown_lower, shown_upper = by_month[month][1:5]
        assert n == len(scores)
        assert near(shown_mean, mean) and near(shown_lower, lower) and near(shown_upper, upper)
    everyone = hand_scores(clinic_a, EMPATHY, since=dt.date(2026, 1, 15), until=dt.date(2026, 3, 1))
    previous = hand_scores(
        clinic_a, EMPATHY, since=dt.date(2025, 11, 30), until=dt.date(2026, 1, 14)
    )
    assert tiles["empathy"].n == len(everyone) == 36 - 2  # each seeding's response 5: 2 missing
    change = sum(everyone) / len(everyone) - sum(previous) / len(previous)
    (shown_change,) = shown(tiles["empathy"].change, r"([+-][\d.]+) vs")
    assert near(shown_change, change)
