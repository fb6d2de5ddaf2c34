"""Redis (the cache) down: every page a signed-in manager opens still answers, computed from the
database, with a warning in the log; never a 500."""

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from analytics.exports.services import export_job_request
from tests.analytics.dashboard.test_dashboard_access import CHARTS, PERIOD, chart_csv, respond
from tests.analytics.exports.test_exports import responses_request

pytestmark = [pytest.mark.hardening, pytest.mark.django_db]

# Nothing listens on port 1: every cache call fails at once with "connection refused".
REDIS_CLOSED_PORT = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = REDIS_CLOSED_PORT  # Django swaps the cache handlers on this change
    with pytest.raises(Exception, match="(?i)connect"):
        cache.get("probe")  # really down


def test_dashboard_with_redis_down_shows_the_same_numbers_and_logs_a_warning(
    client, settings, manager_a, instrument, clinic_a, caplog
):
    respond(instrument, clinic_a, 12)
    client.force_login(manager_a)
    cache.clear()
    with_cache = {chart: chart_csv(client, chart)[1] for chart in CHARTS}

    settings.CACHES = REDIS_CLOSED_PORT
    with caplog.at_level(logging.WARNING, logger="analytics.dashboard.cache"):
        page = client.get(reverse("analytics:dashboard"), PERIOD)
    assert page.status_code == 200
    assert b'id="tile-responses"' in page.content and b'data-value="12"' in page.content
    assert "dashboard cache unavailable" in caplog.text
    assert {chart: chart_csv(client, chart)[1] for chart in CHARTS} == with_cache


def test_every_page_a_signed_in_manager_opens_answers_with_redis_down(
    client, redis_down, manager_a, instrument, clinic_a, full_answers, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path
    respond(instrument, clinic_a, 12)
    job = export_job_request(user=manager_a, export=responses_request([clinic_a]))
    client.force_login(manager_a)
    pages = [
        reverse("analytics:dashboard"),
        reverse("analytics:dashboard") + f"?clinic={clinic_a.pk}&period=custom"
        "&start=2026-02-02&end=2026-03-01",
        reverse("analytics:dashboard_csv", args=["funnel"]) + "?period=custom"
        "&start=2026-02-02&end=2026-03-01",
        reverse("comments:overview"),
        reverse("staff:moderation_queue"),
        reverse("staff:follow_ups"),
        reverse("exports:start"),
        reverse("exports:job", args=[job.pk]),
        reverse("exports:status", args=[job.pk]),
    ]
    answered = {url: client.get(url, follow=True).status_code for url in pages}
    assert answered == dict.fromkeys(pages, 200)
    small_export = client.post(
        reverse("exports:start"),
        {
            "kind": "responses",
            "file_format": "csv",
            "period": "custom",
            "start": "2026-02-01",
            "end": "2026-02-28",
        },
    )
    assert small_export.status_code == 200
    assert len(b"".join(small_export.streaming_content).splitlines()) == 13  # header + 12
