"""Every staff page and download with patient data is sent with Cache-Control: no-store, so no
browser, proxy or shared computer keeps a copy after the session ends."""

import pytest
from django.urls import reverse

from analytics.exports.services import ExportRequest, export_job_request, export_job_run
from analytics.rollups.selectors import RollupFilter
from feedback.models import Provider
from feedback.services import response_submit


@pytest.fixture
def pages(instrument, clinic_a, full_answers, settings, tmp_path):
    """One response with a comment, a testimonial and a follow-up, and a finished export job."""
    settings.EXPORT_ROOT = tmp_path / "exports"
    provider = Provider.objects.create(clinic=clinic_a, display_name="Dr. Ana Ortiz")
    response_submit(
        instrument=instrument,
        clinic=clinic_a,
        answers={**full_answers, "recommend": 2},
        language="en",
        comment="Nobody listened.",
        testimonial_text="The nurse was kind.",
        testimonial_consent="anonymous",
    )
    return {"clinic": clinic_a, "provider": provider}


def _finished_job(user, clinic):
    export = ExportRequest(
        kind="responses",
        file_format="csv",
        where=RollupFilter(
            clinic_ids=(clinic.pk,),
            since=clinic.created_at.date().replace(year=2000),
            until=clinic.created_at.date().replace(year=2100),
        ),
    )
    return export_job_run(job_id=str(export_job_request(user=user, export=export).pk))


STAFF_PAGES = [
    ("dashboard", lambda p, job: reverse("analytics:dashboard") + "?period=365d"),
    (
        "dashboard chart CSV",
        lambda p, job: reverse("analytics:dashboard_csv", args=["funnel"]) + "?period=365d",
    ),
    ("comments", lambda p, job: reverse("comments:overview") + f"?clinic={p['clinic'].pk}"),
    (
        "comments of a theme",
        lambda p, job: reverse("comments:theme", args=[p["clinic"].pk, "listening"]),
    ),
    ("moderation queue", lambda p, job: reverse("staff:moderation_queue")),
    ("follow-ups", lambda p, job: reverse("staff:follow_ups")),
    ("provider kudos", lambda p, job: reverse("staff:provider_kudos", args=[p["provider"].pk])),
    ("exports", lambda p, job: reverse("exports:start")),
    ("export job", lambda p, job: reverse("exports:job", args=[job.pk])),
    ("export job status", lambda p, job: reverse("exports:status", args=[job.pk])),
    ("export download", lambda p, job: reverse("exports:download", args=[job.pk])),
    ("monthly reports", lambda p, job: reverse("reports:index")),
    (
        "monthly report",
        lambda p, job: reverse("reports:clinic", args=[p["clinic"].pk, 2026, 10]),
    ),
    ("e-mail preferences", lambda p, job: reverse("reports:preferences")),
]


@pytest.mark.hardening
@pytest.mark.parametrize(("page", "url_for"), STAFF_PAGES, ids=[p for p, _ in STAFF_PAGES])
def test_staff_page_is_not_stored_by_browsers_or_proxies(client, manager_a, pages, page, url_for):
    client.force_login(manager_a)
    job = _finished_job(manager_a, pages["clinic"])
    response = client.get(url_for(pages, job))
    assert response.status_code == 200, page
    assert "no-store" in response["Cache-Control"]


@pytest.mark.hardening
def test_a_direct_export_download_is_not_stored(client, manager_a, pages):
    client.force_login(manager_a)
    response = client.post(
        reverse("exports:start"),
        {
            "kind": "responses",
            "file_format": "csv",
            "period": "365d",
            "clinic": pages["clinic"].pk,
        },
    )
    assert response.status_code == 200 and response.streaming
    assert "no-store" in response["Cache-Control"]
