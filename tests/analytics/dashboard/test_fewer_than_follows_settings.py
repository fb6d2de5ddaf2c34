"""'Fewer than N' on the staff pages is MIN_GROUP_SIZE (and LOW_RELIABILITY_N), never 10."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from analytics.rollups.services import dirty_buckets_drain
from feedback.services import instrument_definition, response_submit
from tests.conftest import manager_of

pytestmark = pytest.mark.services

PERIOD = {"period": "custom", "start": "2026-02-02", "end": "2026-03-01"}
IN_PERIOD = dt.datetime(2026, 2, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def small_clinic_client(client, instrument, clinic_a, settings):
    """Three responses: hidden under a minimum group of 5 as under 10."""
    settings.MIN_GROUP_SIZE = 5
    settings.LOW_RELIABILITY_N = 12
    definition = instrument_definition(instrument)
    for i in range(3):
        answers = {item.id: 3 if item.scale.max != 10 else 9 for item in definition.items}
        response_submit(
            instrument=instrument,
            clinic=clinic_a,
            answers=answers,
            language="en",
            now=IN_PERIOD + dt.timedelta(minutes=i),
        )
    dirty_buckets_drain()
    client.force_login(manager_of(clinic_a, username="manager-five"))
    return client


def test_min_group_size_of_5_is_the_fewer_than_on_the_dashboard_in_english_and_spanish(
    small_clinic_client,
):
    url = reverse("analytics:dashboard")
    english = small_clinic_client.get(url, PERIOD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    spanish = small_clinic_client.get(url, PERIOD, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Groups of fewer than 5 responses are never shown." in english
    assert "Open symbols: fewer than 12 responses (low reliability)." in english
    assert '<p class="tile-note">fewer than 5 responses</p>' in english  # hidden tiles
    assert "fewer than 10" not in english and "fewer than 30" not in english
    assert "Nunca se muestran grupos de menos de 5 respuestas." in spanish
    assert "Símbolos huecos: menos de 12 respuestas (poco fiable)." in spanish
    assert '<p class="tile-note">menos de 5 respuestas</p>' in spanish
    assert "menos de 10" not in spanish


def test_min_group_size_of_5_is_the_fewer_than_on_the_export_and_comments_pages(
    small_clinic_client, clinic_a
):
    exports = small_clinic_client.get(reverse("exports:start")).content.decode()
    comments = small_clinic_client.get(
        reverse("comments:overview"), {"clinic": clinic_a.pk}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    assert "groups of fewer than 5 responses are not shown" in exports
    assert "Menos de 5 comentarios en este periodo" in comments
