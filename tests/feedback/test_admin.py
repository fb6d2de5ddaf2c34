"""The admin: pages load for a superuser, the wrong people are refused, contacts stay hidden."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.invitations import invitation_create
from feedback.models import ClinicMembership, Invitation, Visit
from feedback.services import response_submit

CONTACT = "secret.patient@example.com"
MODELS = [
    "clinic",
    "clinicmembership",
    "provider",
    "visit",
    "invitation",
    "instrument",
    "response",
    "testimonial",
]


@pytest.fixture
def collected(clinic_a, provider_a, instrument, full_answers, django_user_model):
    """One of everything: a visit with an invitation, a response with scores and a testimonial."""
    manager = django_user_model.objects.create_user("manager")
    ClinicMembership.objects.create(user=manager, clinic=clinic_a)
    visit = Visit.objects.create(
        clinic=clinic_a,
        provider=provider_a,
        external_id="V-1",
        occurred_at=dt.datetime(2026, 11, 2, 15, tzinfo=dt.UTC),
    )
    invitation = invitation_create(visit=visit, channel="email", contact=CONTACT)
    response = response_submit(
        instrument=instrument,
        clinic=clinic_a,
        answers=full_answers,
        language="en",
        testimonial_text="Kind and patient staff.",
        testimonial_consent="anonymous",
    )
    return {"invitation": invitation, "response": response, "visit": visit}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _visits(clinic, count: int, start: int) -> None:
    for number in range(start, start + count):
        visit = Visit.objects.create(
            clinic=clinic,
            external_id=f"N-{number}",
            occurred_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        )
        invitation_create(visit=visit, channel="qr")


@pytest.mark.parametrize("model", MODELS)
def test_changelist_loads_for_a_superuser(admin_client, collected, model):
    response = admin_client.get(reverse(f"admin:feedback_{model}_changelist"))

    assert response.status_code == 200
    assert CONTACT not in response.content.decode()


@pytest.mark.parametrize(
    "name", ["invitation", "response", "instrument", "visit", "clinic", "testimonial"]
)
def test_change_page_loads_for_a_superuser_without_contact_or_token(admin_client, collected, name):
    invitation = collected["invitation"]
    obj = {
        "invitation": invitation,
        "response": collected["response"],
        "instrument": collected["response"].instrument,
        "visit": collected["visit"],
        "clinic": collected["visit"].clinic,
        "testimonial": collected["response"].testimonial,
    }[name]

    response = admin_client.get(reverse(f"admin:feedback_{name}_change", args=[obj.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert CONTACT not in page
    assert invitation.token_hash not in page and invitation.token_salt not in page


def test_response_page_shows_its_answers_and_scores_read_only(admin_client, collected):
    response = collected["response"]

    page = admin_client.get(reverse("admin:feedback_response_change", args=[response.pk]))

    body = page.content.decode()
    assert "empathy" in body and "Kind and patient staff." in body
    assert 'name="comment"' not in body  # read-only: no inputs
    assert (
        admin_client.post(
            reverse("admin:feedback_response_change", args=[response.pk]), {"comment": "edited"}
        ).status_code
        == 403
    )


def test_instrument_version_cannot_be_added_or_its_definition_edited(admin_client, instrument):
    admin_client.post(
        reverse("admin:feedback_instrument_change", args=[instrument.pk]),
        {"is_active": "", "definition": "{}", "version": "99"},
    )

    instrument.refresh_from_db()
    assert instrument.version != 99 and instrument.definition != {}
    assert admin_client.get(reverse("admin:feedback_instrument_add")).status_code == 403


def test_visit_and_invitation_lists_do_not_query_once_per_row(
    admin_client, clinic_a, django_assert_max_num_queries
):
    _visits(clinic_a, 2, start=0)
    for name in ("visit", "invitation"):
        url = reverse(f"admin:feedback_{name}_changelist")
        with CaptureQueriesContext(connection) as few:
            assert admin_client.get(url).status_code == 200
        _visits(clinic_a, 10, start=100 if name == "visit" else 200)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert admin_client.get(url).status_code == 200


def test_import_page_loads_and_imports_an_uploaded_file(admin_client, clinic_a, mailoutbox):
    url = reverse("admin:feedback_visit_import")
    assert admin_client.get(url).status_code == 200
    upload = SimpleUploadedFile(
        "visits.csv",
        (
            b"visit_id,clinic,occurred_at,channel,contact\n"
            b"V-1,riverside,2026-11-02T10:00,qr,\n"
            b"V-2,nowhere,2026-11-02T10:00,qr,\n"
        ),
        content_type="text/csv",
    )

    response = admin_client.post(url, {"file": upload}, follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert response.redirect_chain[-1][0] == reverse("admin:feedback_visit_changelist")
    assert any("2 rows: 1 visits created" in m for m in messages)
    assert "Line 3: unknown clinic 'nowhere'" in messages
    assert list(Visit.objects.values_list("external_id", flat=True)) == ["V-1"]


def test_import_page_shows_a_file_error_and_writes_nothing(admin_client, clinic_a):
    upload = SimpleUploadedFile("visits.csv", b"visit,place\nV-1,riverside\n")

    response = admin_client.post(reverse("admin:feedback_visit_import"), {"file": upload})

    assert response.status_code == 200
    assert "Wrong header" in response.content.decode()
    assert Visit.objects.count() == 0


def test_visit_and_invitation_lists_link_to_the_import_page(admin_client, db):
    import_url = reverse("admin:feedback_visit_import")
    for name in ("visit", "invitation"):
        page = admin_client.get(reverse(f"admin:feedback_{name}_changelist")).content.decode()
        assert f'href="{import_url}"' in page


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:feedback_visit_changelist",
        "admin:feedback_invitation_changelist",
        "admin:feedback_response_changelist",
        "admin:feedback_visit_import",
    ],
)
def test_a_user_who_is_not_staff_is_sent_to_the_login_page(client, collected, url_name):
    client.force_login(User.objects.get(username="manager"))

    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_right_to_add_visits_cannot_import(client, db):
    staff = User.objects.create_user("clerk", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_visit"))
    client.force_login(staff)

    assert client.get(reverse("admin:feedback_visit_changelist")).status_code == 200
    assert client.get(reverse("admin:feedback_visit_import")).status_code == 403
    assert Invitation.objects.count() == 0
