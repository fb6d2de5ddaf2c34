"""Testimonials and export jobs cannot be changed in the admin, so no change escapes the audit."""

import pytest
from django.contrib.auth.models import User

from feedback.services import response_submit


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("root", password="pw-root-123"))
    return client


def test_testimonial_status_cannot_be_changed_in_the_admin(
    admin_client, instrument, clinic_a, full_answers
):
    response = response_submit(
        instrument=instrument,
        clinic=clinic_a,
        answers=full_answers,
        language="en",
        testimonial_text="Thank you all, very kind.",
        testimonial_consent="anonymous",
    )
    testimonial = response.testimonial
    url = f"/admin/feedback/testimonial/{testimonial.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    admin_client.post(url, {"status": "approved"})
    testimonial.refresh_from_db()
    assert testimonial.status == "pending"
    delete = f"/admin/feedback/testimonial/{testimonial.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_export_jobs_are_listed_read_only(admin_client):
    assert admin_client.get("/admin/analytics/exportjob/").status_code == 200
    assert admin_client.get("/admin/analytics/exportjob/add/").status_code == 403
