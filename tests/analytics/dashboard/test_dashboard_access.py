"""The dashboard: who sees what (404 for other clinics by every route), suppression, speed."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.rollups.services import dirty_buckets_drain
from feedback.models import Provider
from feedback.services import instrument_definition, response_submit
from tests.conftest import manager_of

PERIOD = {"period": "custom", "start": "2026-02-02", "end": "2026-03-01"}
IN_PERIOD = dt.datetime(2026, 2, 10, 15, 0, tzinfo=dt.UTC)
CHARTS = ("trend-empathy", "trend-time", "funnel", "items", "heatmap", "recommend")


@pytest.fixture(autouse=True)
def _empty_cache():
    # Tests roll their data back without committing, so no rebuild bumps the version for them.
    cache.clear()


def respond(instrument, clinic, count, *, provider=None, when=IN_PERIOD):
    """`count` varied answers at `clinic`, then the rollups, as the drain task would build them."""
    definition = instrument_definition(instrument)
    for i in range(count):
        answers = {
            item.id: (i * 3) % 11 if item.scale.max == 10 else 1 + (i + position) % 5
            for position, item in enumerate(definition.items)
        }
        response_submit(
            instrument=instrument,
            clinic=clinic,
            provider=provider,
            answers=answers,
            language="en",
            now=when + dt.timedelta(minutes=i),
        )
    dirty_buckets_drain()


@pytest.fixture
def provider_b(clinic_b):
    return Provider.objects.create(clinic=clinic_b, display_name="Dr. Bea Blanco")


def dashboard(client, **params):
    return client.get(reverse("analytics:dashboard"), {**PERIOD, **params})


def chart_csv(client, chart, **params):
    response = client.get(reverse("analytics:dashboard_csv", args=[chart]), {**PERIOD, **params})
    return response, list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def responses_shown(client, **params) -> str | None:
    """The number on the page's "Responses" tile, or None when it is hidden."""
    page = dashboard(client, **params).content.decode()
    tile = re.search(r'<li class="tile" id="tile-responses">(.*?)</li>', page, re.S).group(1)
    found = re.search(r'data-value="([^"]*)"', tile)
    return found.group(1) if found else None


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_anonymous_visitor_is_sent_to_sign_in_for_the_page_and_the_csv(client, db):
    for url in (
        reverse("analytics:dashboard"),
        reverse("analytics:dashboard_csv", args=["funnel"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_root_address_leads_to_sign_in_then_to_the_dashboard(client, manager_a):
    assert client.get("/").url == reverse("accounts:login")
    client.force_login(manager_a)
    assert client.get("/").url == reverse("analytics:dashboard")


def test_manager_sees_their_clinic_and_never_another_clinics_name(
    client, instrument, clinic_a, clinic_b, manager_a, provider_a, provider_b
):
    respond(instrument, clinic_a, 12, provider=provider_a)
    respond(instrument, clinic_b, 30, provider=provider_b)
    client.force_login(manager_a)

    page = dashboard(client).content.decode()

    assert clinic_a.name in page and provider_a.display_name in page
    assert clinic_b.name not in page and provider_b.display_name not in page
    assert responses_shown(client) == "12"
    for chart in CHARTS:
        response, rows = chart_csv(client, chart)
        assert response.status_code == 200
        assert clinic_b.name not in response.content.decode()


@pytest.mark.parametrize("route", ["analytics:dashboard", "analytics:dashboard_csv"])
@pytest.mark.parametrize("asks_for", ["clinic", "provider", "unknown clinic", "garbage"])
def test_manager_asking_for_another_clinics_data_gets_404_revealing_nothing(
    client, instrument, clinic_a, clinic_b, manager_a, provider_b, route, asks_for
):
    respond(instrument, clinic_b, 12, provider=provider_b)
    client.force_login(manager_a)
    params = {
        "clinic": {"clinic": clinic_b.pk},
        "provider": {"provider": provider_b.pk},
        "unknown clinic": {"clinic": clinic_b.pk + 1000},
        "garbage": {"clinic": "1 OR 1=1"},
    }[asks_for]
    args = ["funnel"] if route.endswith("csv") else []

    response = client.get(reverse(route, args=args), {**PERIOD, **params})

    assert response.status_code == 404
    body = response.content.decode()
    assert clinic_b.name not in body and provider_b.display_name not in body


def test_manager_of_two_clinics_compares_them_but_not_a_third(
    client, instrument, clinic_a, clinic_b, provider_a
):
    from feedback.models import Clinic

    clinic_c = Clinic.objects.create(name="Lakeside Care", slug="lakeside", timezone="UTC")
    respond(instrument, clinic_a, 12)
    respond(instrument, clinic_b, 11)
    respond(instrument, clinic_c, 14)
    client.force_login(manager_of(clinic_a, clinic_b, username="regional"))

    _, rows = chart_csv(client, "funnel")

    assert sorted(row[:2] for row in rows[1:]) == [[clinic_b.name, "11"], [clinic_a.name, "12"]]
    assert clinic_c.name not in dashboard(client).content.decode()
    assert dashboard(client, clinic=clinic_c.pk).status_code == 404


def test_admin_sees_every_clinic(client, instrument, clinic_a, clinic_b, admin_user):
    respond(instrument, clinic_a, 12)
    respond(instrument, clinic_b, 15)
    client.force_login(admin_user)

    page = dashboard(client).content.decode()

    assert clinic_a.name in page and clinic_b.name in page
    assert reverse("admin:index") in page  # the staff nav links admins to the admin
    assert responses_shown(client) == "27"


def test_a_clinic_with_nine_responses_shows_no_numbers_in_any_tile_chart_table_or_csv(
    client, instrument, clinic_a, manager_a, provider_a
):
    respond(instrument, clinic_a, 9, provider=provider_a)
    client.force_login(manager_a)

    response = dashboard(client)
    page = response.content.decode()
    built = response.context["dashboard"]

    assert "data-value=" not in page
    assert page.count("fewer than 10 responses") >= len(built.tiles)
    assert all(tile.value is None and tile.n is None for tile in built.tiles)
    for chart in (*built.trends, *built.comparisons):
        for row in chart.rows:
            assert not any(isinstance(cell, int | float) for cell in row), (chart.name, row)
        for trace in chart.figure["data"]:
            values = [trace.get("y") or [], trace.get("z") or []]
            if trace.get("orientation") == "h":
                values.append(trace.get("x") or [])
            flat = json.dumps(values)
            assert not re.search(r"\d", flat), (chart.name, trace.get("name"), flat)
        csv_response, rows = chart_csv(client, chart.name)
        assert csv_response.status_code == 200
        assert not any(is_number(cell) for row in rows[1:] for cell in row), (chart.name, rows)
    assert len(built.trends) == 5 and {c.name for c in built.comparisons} == {
        "funnel",
        "items",
        "heatmap",
        "recommend",
    }


def test_a_small_clinic_hides_its_complement_so_it_cannot_be_worked_out(
    client, instrument, clinic_a, clinic_b, admin_user
):
    respond(instrument, clinic_a, 30)
    respond(instrument, clinic_b, 9)
    client.force_login(admin_user)

    _, heatmap = chart_csv(client, "heatmap")
    _, funnel = chart_csv(client, "funnel")

    for row in heatmap[1:]:
        assert row[2:6] == ["", "", "", ""]
        assert row[6].startswith("fewer than" if row[1] == clinic_b.name else "hidden so that")
    assert [row[1:8] for row in funnel[1:]] == [[""] * 7, [""] * 7]
    # The organisation's total (39) is still shown: only the split is hidden.
    assert responses_shown(client) == "39"


def test_providers_under_30_responses_carry_a_low_reliability_mark(
    client, instrument, clinic_a, manager_a, provider_a
):
    other = Provider.objects.create(clinic=clinic_a, display_name="Dr. Omar Obi")
    respond(instrument, clinic_a, 12, provider=provider_a)
    respond(instrument, clinic_a, 31, provider=other)
    client.force_login(manager_a)

    _, rows = chart_csv(client, "funnel")

    notes = {row[0]: row[-1] for row in rows[1:]}
    assert notes == {provider_a.display_name: "low reliability", other.display_name: ""}


def test_csv_cells_that_look_like_formulas_are_neutralised(client, instrument, clinic_a, manager_a):
    sneaky = Provider.objects.create(clinic=clinic_a, display_name='=HYPERLINK("http://x","y")')
    respond(instrument, clinic_a, 12, provider=sneaky)
    client.force_login(manager_a)

    response, rows = chart_csv(client, "funnel")

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert rows[1][0] == '\'=HYPERLINK("http://x","y")'


def test_an_unknown_chart_is_404(client, clinic_a, manager_a, instrument):
    client.force_login(manager_a)
    assert chart_csv(client, "passwords")[0].status_code == 404


def test_invalid_dates_show_the_error_and_no_numbers(client, clinic_a, manager_a, instrument):
    client.force_login(manager_a)
    response = dashboard(client, start="2026-03-01", end="2026-02-01")
    assert response.status_code == 200
    assert "The start date must be on or before the end date." in response.content.decode()
    assert response.context["dashboard"] is None


def test_dashboard_reads_only_rollups_in_a_handful_of_queries(
    client, instrument, clinic_a, clinic_b, admin_user, django_assert_max_num_queries
):
    respond(instrument, clinic_a, 12)
    respond(instrument, clinic_b, 12)
    client.force_login(admin_user)

    with CaptureQueriesContext(connection) as cold:
        assert dashboard(client, clinic=clinic_a.pk).status_code == 200
    # cached: sign-in, clinics, providers, instrument, interventions
    with django_assert_max_num_queries(7):
        assert dashboard(client, clinic=clinic_a.pk).status_code == 200

    # Sign-in (2), clinics, the chosen clinic, providers, instrument, interventions,
    # SET LOCAL jit, and the reads: three of dimension rollups, one each of item and response
    # rollups (with invitations).
    assert len(cold.captured_queries) <= 13
    raw_tables = ("feedback_response", "feedback_dimensionscore", "feedback_invitation")
    assert not [q["sql"] for q in cold.captured_queries if any(t in q["sql"] for t in raw_tables)]


def test_a_rollup_rebuild_invalidates_the_cached_dashboard(
    client, instrument, clinic_a, manager_a, django_capture_on_commit_callbacks
):
    respond(instrument, clinic_a, 12)
    client.force_login(manager_a)
    assert responses_shown(client) == "12"

    with django_capture_on_commit_callbacks(execute=True):
        respond(instrument, clinic_a, 3, when=IN_PERIOD + dt.timedelta(days=1))

    assert responses_shown(client) == "15"


def test_another_clinics_submissions_leave_this_clinics_cached_dashboard_warm(
    client,
    instrument,
    clinic_a,
    clinic_b,
    manager_a,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    respond(instrument, clinic_a, 12)
    client.force_login(manager_a)
    assert responses_shown(client) == "12"
    with django_assert_max_num_queries(7) as warm:
        responses_shown(client)

    with django_capture_on_commit_callbacks(execute=True):
        respond(instrument, clinic_b, 5)  # rebuilds clinic B's rollups only

    with django_assert_max_num_queries(len(warm.captured_queries)):  # still served from cache
        assert responses_shown(client) == "12"
