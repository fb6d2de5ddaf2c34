"""Intervention pages: who may see and change what (404 across clinics), errors, audit, the
dashboard's markers and its "recalculate limits from" choice."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse

from analytics.interventions.models import Intervention
from analytics.interventions.services import intervention_create
from analytics.rollups.services import dirty_buckets_drain
from feedback.models import AuditEvent, ClinicMembership, Provider
from tests.analytics.interventions.test_effects_selector import answered

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def workshop(clinic_a, manager_a):
    return intervention_create(
        actor=manager_a,
        clinic=clinic_a,
        title="Active listening workshop",
        kind="training",
        start_date=dt.date(2026, 2, 16),
    )


def form_data(clinic, **changes):
    return {
        "clinic": clinic.pk,
        "title": "Active listening workshop",
        "kind": "training",
        "start_date": "2026-02-16",
        "end_date": "",
        "covers": "clinic",
        "note": "Two hours, all clinicians.",
        **changes,
    }


def test_a_manager_records_an_intervention_and_it_is_audited(client, clinic_a, manager_a):
    client.force_login(manager_a)
    response = client.post(reverse("interventions:new"), form_data(clinic_a))
    intervention = Intervention.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("interventions:detail", args=[intervention.pk])
    assert (intervention.clinic, intervention.created_by) == (clinic_a, manager_a)
    event = AuditEvent.objects.get(action=AuditEvent.Action.INTERVENTION_CREATE)
    assert (event.actor, event.clinic, event.target) == (
        manager_a,
        clinic_a,
        f"intervention:{intervention.pk}",
    )
    assert event.details["title"] == "Active listening workshop"


def test_edit_and_delete_are_audited_with_before_and_after(client, workshop, manager_a):
    client.force_login(manager_a)
    edit = client.post(
        reverse("interventions:edit", args=[workshop.pk]),
        form_data(workshop.clinic, title="Listening workshop", end_date="2026-02-17"),
    )
    assert edit.status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.INTERVENTION_EDIT)
    assert event.details["before"]["title"] == "Active listening workshop"
    assert event.details["after"]["end_date"] == "2026-02-17"

    assert client.post(reverse("interventions:delete", args=[workshop.pk])).status_code == 302
    assert not Intervention.objects.exists()
    deleted = AuditEvent.objects.get(action=AuditEvent.Action.INTERVENTION_DELETE)
    assert deleted.target == f"intervention:{workshop.pk}" and deleted.actor == manager_a


@pytest.mark.parametrize("page", ["detail", "edit", "delete"])
def test_another_clinics_manager_gets_404_on_every_intervention_page(
    client, workshop, manager_b, page
):
    client.force_login(manager_b)
    assert client.get(reverse(f"interventions:{page}", args=[workshop.pk])).status_code == 404
    assert client.post(reverse(f"interventions:{page}", args=[workshop.pk])).status_code in (
        404,
        405,
    )
    assert Intervention.objects.filter(pk=workshop.pk, title=workshop.title).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ACCESS_REFUSED, target=f"intervention:{workshop.pk}"
    ).exists()


def test_the_list_shows_only_the_users_clinics(client, workshop, clinic_b, manager_b, admin_user):
    intervention_create(
        actor=admin_user,
        clinic=clinic_b,
        title="Hillcrest rota",
        kind="staffing",
        start_date=dt.date(2026, 1, 5),
    )
    client.force_login(manager_b)
    page = client.get(reverse("interventions:list")).content.decode()
    assert "Hillcrest rota" in page and "Active listening workshop" not in page


def test_another_clinic_or_its_providers_cannot_be_chosen(
    client, clinic_a, clinic_b, manager_a, provider_a
):
    client.force_login(manager_a)
    refused = client.post(reverse("interventions:new"), form_data(clinic_b))
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    elsewhere = Provider.objects.create(clinic=clinic_b, display_name="Dr. Far Away")
    admin = User.objects.create_superuser("boss", password="pw-boss-123456")
    client.force_login(admin)
    mixed = client.post(
        reverse("interventions:new"),
        form_data(clinic_a, covers="providers", providers=[provider_a.pk, elsewhere.pk]),
    )
    assert mixed.status_code == 400
    assert "Choose only providers who work at Riverside Family Clinic." in mixed.content.decode()
    assert not Intervention.objects.exists()


def test_bad_dates_and_missing_providers_are_clear_errors(client, clinic_a, manager_a):
    client.force_login(manager_a)
    response = client.post(
        reverse("interventions:new"),
        form_data(clinic_a, start_date="2026-02-16", end_date="2026-02-01", covers="providers"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "The end date must be on or after the start date." in page
    assert "Choose at least one provider, or the whole clinic." in page


def test_the_database_refuses_an_end_before_the_start(clinic_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Intervention.objects.create(
            clinic=clinic_a,
            title="x",
            kind="other",
            start_date=dt.date(2026, 2, 2),
            end_date=dt.date(2026, 2, 1),
        )


def test_the_detail_page_says_fewer_than_10_responses_and_that_it_is_an_association(
    client, instrument, workshop, manager_a
):
    client.force_login(manager_a)
    page = client.get(reverse("interventions:detail", args=[workshop.pk])).content.decode()
    assert "fewer than 10 responses" in page and "No effect figure" in page
    assert "not proof that the intervention caused the change" in page
    assert f"limits_from={workshop.pk}" in page  # the link to the dashboard


def trend_figure(client, **params):
    response = client.get(
        reverse("analytics:dashboard"),
        {"period": "custom", "start": "2026-01-05", "end": "2026-04-05", **params},
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    page = response.content.decode()
    start = page.index('id="figure-trend-empathy"')
    start = page.index(">", start) + 1
    return json.loads(page[start : page.index("</script>", start)]), page


def test_the_dashboard_trend_marks_the_intervention_and_splits_limits_when_asked(
    client, instrument, clinic_a, workshop, manager_a
):
    for week in range(13):
        value = 3 if week < 6 else 5
        answered(
            instrument, clinic_a, [value] * 10, day=dt.date(2026, 1, 6) + dt.timedelta(weeks=week)
        )
    dirty_buckets_drain()
    client.force_login(manager_a)

    figure, page = trend_figure(client)
    assert [s["x0"] for s in figure["layout"]["shapes"]] == ["2026-02-16"]
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["Active listening workshop"]
    assert reverse("interventions:detail", args=[workshop.pk]) in page
    centre = next(t for t in figure["data"] if t.get("name") == "Centre")["y"]
    assert len(set(centre)) == 1  # one baseline

    split, _ = trend_figure(client, limits_from=workshop.pk)
    centre = next(t for t in split["data"] if t.get("name") == "Centre")["y"]
    # Weeks from 5 Jan: six at 50, then from the week of 16 Feb (index 6) seven at 100.
    assert centre == [50.0] * 6 + [100.0] * 7 + [100.0] * (len(centre) - 13)


def test_an_intervention_of_another_clinic_cannot_be_chosen_to_split_limits(
    client, instrument, clinic_b, manager_b, workshop
):
    client.force_login(manager_b)
    response = client.get(reverse("analytics:dashboard"), {"limits_from": workshop.pk})
    assert response.status_code == 200
    assert "Active listening workshop" not in response.content.decode()


def test_the_admin_shows_a_staff_manager_only_their_clinics_and_audits_changes(
    client, clinic_a, clinic_b, workshop, admin_user
):
    staff = User.objects.create_user("staffer", password="pw-staff-123456", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="_intervention"))
    ClinicMembership.objects.create(user=staff, clinic=clinic_b)
    other = intervention_create(
        actor=admin_user,
        clinic=clinic_b,
        title="Hillcrest rota",
        kind="staffing",
        start_date=dt.date(2026, 1, 5),
    )
    client.force_login(staff)
    changelist = client.get(reverse("admin:analytics_intervention_changelist")).content.decode()
    assert "Hillcrest rota" in changelist and "Active listening workshop" not in changelist
    assert client.get(
        reverse("admin:analytics_intervention_change", args=[workshop.pk])
    ).status_code in (302, 404)
    response = client.post(
        reverse("admin:analytics_intervention_change", args=[other.pk]),
        {
            "clinic": clinic_b.pk,
            "title": "Hillcrest new rota",
            "kind": "staffing",
            "start_date": "2026-01-05",
            "end_date": "",
            "note": "",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action=AuditEvent.Action.INTERVENTION_EDIT).get()
    assert (event.actor, event.target) == (staff, f"intervention:{other.pk}")


def test_the_effect_summary_for_the_report_states_each_difference_or_a_dash(
    instrument, clinic_a, manager_a
):
    from django.template.loader import render_to_string

    from analytics.interventions.selectors import intervention_effects

    answered(instrument, clinic_a, [3] * 5 + [4] * 5, day=dt.date(2026, 2, 20))
    answered(instrument, clinic_a, [4] * 5 + [5] * 5, day=dt.date(2026, 3, 20))
    dirty_buckets_drain()
    intervention_create(
        actor=manager_a,
        clinic=clinic_a,
        title="Active listening workshop",
        kind="training",
        start_date=dt.date(2026, 3, 10),
    )
    (effect,) = intervention_effects(
        clinic_ids=[clinic_a.pk],
        period_start=dt.date(2026, 3, 1),
        period_end=dt.date(2026, 3, 31),
        window_days=30,
        today=dt.date(2026, 6, 1),
    )
    text = " ".join(
        render_to_string(
            "analytics/interventions/_effect_summary.html",
            {"effect": effect, "min_group_size": 10},
        ).split()
    )
    assert "workshop</strong> (Riverside Family Clinic, training, 2026-03-10):" in text
    assert "Empathy +25.0 (12.6 to 37.4)" in text
    assert "fewer than 10 responses on a side. An association, not proof of cause." in text


def test_the_monthly_report_lists_the_months_interventions_with_their_effect(
    client, instrument, clinic_a, manager_a
):
    answered(instrument, clinic_a, [3] * 5 + [4] * 5, day=dt.date(2025, 12, 10))
    answered(instrument, clinic_a, [4] * 5 + [5] * 5, day=dt.date(2026, 2, 10))
    dirty_buckets_drain()
    intervention_create(
        actor=manager_a,
        clinic=clinic_a,
        title="Active listening workshop",
        kind="training",
        start_date=dt.date(2026, 1, 5),
    )
    client.force_login(manager_a)
    page = client.get(reverse("reports:clinic", args=[clinic_a.pk, 2026, 1]))
    assert page.status_code == 200
    section = page.content.decode().split('data-testid="report-interventions"')[1]
    section = " ".join(section.split("</ul>")[0].split())
    # 90 days either side of 5 January: the same hand calculation as above, 25 -/+ 12.4.
    assert "Active listening workshop</strong> (Riverside Family Clinic, training, 2026-01-05)" in (
        section
    )
    assert "Empathy +25.0 (12.6 to 37.4)" in section


def test_the_report_email_states_the_effect_in_plain_text(instrument, clinic_a, manager_a):
    from django.core import mail

    from analytics.alerts.models import StaffMailPreference
    from analytics.reports.services import monthly_reports_send

    answered(instrument, clinic_a, [3] * 5 + [4] * 5, day=dt.date(2025, 12, 10))
    answered(instrument, clinic_a, [4] * 5 + [5] * 5, day=dt.date(2026, 2, 10))
    dirty_buckets_drain()
    intervention_create(
        actor=manager_a,
        clinic=clinic_a,
        title="Listening & checking back",
        kind="training",
        start_date=dt.date(2026, 1, 5),
    )
    manager_a.email = "manager.a@clinic.example"
    manager_a.save()
    StaffMailPreference.objects.create(user=manager_a, monthly_report=True)

    assert monthly_reports_send(now=dt.datetime(2026, 2, 1, 7, 30, tzinfo=dt.UTC)) == 1
    (message,) = mail.outbox
    body = " ".join(message.body.split())
    assert "- Listening & checking back (Riverside Family Clinic, training, 2026-01-05):" in body
    assert "Empathy +25.0 (12.6 to 37.4)" in body and "<strong>" not in message.body
