"""The export pages in Spanish: their labels, the job's status and the "gone" page."""

import pytest
from django.urls import reverse

from analytics.exports.services import export_job_request
from tests.analytics.exports.test_exports import responses_request

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def test_export_pages_and_job_status_are_in_spanish(client, manager_a, clinic_a, export_root):
    client.force_login(manager_a)
    job = export_job_request(user=manager_a, export=responses_request([clinic_a]))

    start = client.get(reverse("exports:start"), **SPANISH).content.decode()
    page = client.get(reverse("exports:job", args=[job.pk]), **SPANISH).content.decode()
    status = client.get(reverse("exports:status", args=[job.pk]), **SPANISH).json()

    assert "Exportar datos" in start and "Sus exportaciones recientes" in start
    assert '<th scope="col">Estado</th>' in start and "En cola" in start
    assert "Volver a las exportaciones" in page and "Estado:" in page
    assert "<strong data-export-status>En cola</strong>" in page
    assert "Respuestas (CSV)" in page and "filas" in page
    assert status["status_label"] == "En cola"


def test_export_that_is_not_there_to_download_says_so_in_spanish(
    client, manager_a, clinic_a, export_root
):
    client.force_login(manager_a)
    unfinished = export_job_request(user=manager_a, export=responses_request([clinic_a]))

    response = client.get(reverse("exports:download", args=[unfinished.pk]), **SPANISH)

    assert response.status_code == 410
    body = response.content.decode()
    assert "Esta exportación ya no está disponible" in body
    assert "Volver a las exportaciones" in body
