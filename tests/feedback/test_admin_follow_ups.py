"""Follow-ups in the admin (read-only, each user's own clinics only); rollup tables are not."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission

from analytics import models as analytics_models
from feedback.models import FollowUp
from feedback.services import response_submit


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _low_scores_response(instrument, clinic, full_answers):
    """Every empathy and trust answer at the bottom of the scale: opens a follow-up."""
    answers = {
        item: (1 if item.startswith(("empathy", "trust")) else value)
        for item, value in full_answers.items()
    }
    return response_submit(instrument=instrument, clinic=clinic, answers=answers, language="en")


@pytest.fixture
def follow_ups(instrument, clinic_a, clinic_b, full_answers):
    a = _low_scores_response(instrument, clinic_a, full_answers).follow_up
    b = _low_scores_response(instrument, clinic_b, full_answers).follow_up
    return a, b


def test_an_admin_sees_every_clinics_follow_ups_with_their_reasons(client, admin_user, follow_ups):
    client.force_login(admin_user)

    page = client.get("/admin/feedback/followup/")

    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == sorted(
        follow_ups, key=lambda f: (f.created_at, f.pk), reverse=True
    )
    text = page.content.decode()
    assert "Low empathy score, Low trust score" in text
    assert "Riverside Family Clinic" in text and "Hillcrest Health Centre" in text


def test_staff_with_admin_access_see_only_their_own_clinics_follow_ups(
    client, manager_a, follow_ups
):
    mine, theirs = follow_ups
    manager_a.is_staff = True
    manager_a.save()
    manager_a.user_permissions.add(Permission.objects.get(codename="view_followup"))
    client.force_login(manager_a)

    listing = client.get("/admin/feedback/followup/")
    assert list(listing.context["cl"].result_list) == [mine]
    assert "Hillcrest Health Centre" not in listing.content.decode()  # not even as a filter
    assert client.get(f"/admin/feedback/followup/{mine.pk}/change/").status_code == 200
    other = client.get(f"/admin/feedback/followup/{theirs.pk}/change/")
    assert other.status_code == 302  # the admin's "does not exist" redirect, as for a bad id


def test_follow_ups_are_handled_on_the_audited_page_not_in_the_admin(
    client, admin_user, follow_ups
):
    mine, _theirs = follow_ups
    client.force_login(admin_user)

    client.post(f"/admin/feedback/followup/{mine.pk}/change/", {"status": "handled"})

    mine.refresh_from_db()
    assert mine.status == FollowUp.Status.OPEN
    assert client.get("/admin/feedback/followup/add/").status_code == 403


def test_the_internal_rollup_tables_are_not_in_the_admin(client, admin_user):
    client.force_login(admin_user)

    index = client.get("/admin/").content.decode()

    rollups = [
        model
        for model in vars(analytics_models).values()
        if isinstance(model, type) and model.__name__.endswith("Rollup")
    ]
    assert len(rollups) == 12
    assert not [model for model in rollups if admin.site.is_registered(model)]
    assert "rollup" not in index.lower()
    assert "/admin/feedback/followup/" in index and ">Follow-ups<" in index
    assert "/admin/analytics/exportjob/" in index
