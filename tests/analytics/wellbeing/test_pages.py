"""The wellbeing pages: a clinic's rounds (shown from the fifth response), patients beside them,
the admins' scatter, the audited round CSV, a manager opening a round, and 404s elsewhere."""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from analytics.rollups.services import rollups_rebuild_for_day
from feedback.models import AuditEvent, Clinic, PulseRound, Response, StaffInvitation
from feedback.services import response_submit
from tests.analytics.wellbeing.conftest import answer_in, round_with_answers

pytestmark = pytest.mark.django_db

# Burnout scores 25, 37.5, 50, 62.5, 75 (see conftest.staff_answers).
ENERGIES = [1, 2, 3, 4, 5]


def clinic_page(client, clinic) -> str:
    page = client.get(reverse("analytics:wellbeing_clinic", args=[clinic.pk]))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    return page.content.decode()


def patient_answers_on(clinic, instrument, full_answers, day: dt.date, *, empathy: int, times=2):
    at = dt.datetime.combine(day, dt.time(12), tzinfo=clinic.tzinfo)
    for _ in range(times):
        answers = {**full_answers, **{k: empathy for k in full_answers if k.startswith("empathy")}}
        response_submit(
            instrument=instrument, clinic=clinic, answers=answers, language="en", now=at
        )
    rollups_rebuild_for_day(clinic_id=clinic.pk, local_date=day)


def test_a_round_shows_only_its_band_at_four_responses_and_its_numbers_at_five(
    client, manager_a, clinic_a, staff_instrument
):
    pulse_round = round_with_answers(clinic_a, days_ago=3, energies=ENERGIES[:4])
    client.force_login(manager_a)
    html = clinic_page(client, clinic_a)
    assert "Not shown: fewer than 5 responses." in html
    assert "staff responses" not in html and "wellbeing-figure" not in html
    for value in ("25.0", "37.5", "43.8", "Energy"):  # 43.75 = the four's mean
        assert value not in html

    answer_in(pulse_round, ENERGIES[4])
    html = clinic_page(client, clinic_a)
    assert "5 staff responses" in html and "Not shown" not in html
    assert "<td>50.0</td><td>25.5 – 74.5</td>" in html  # hand calculation in test_summaries
    assert 'id="wellbeing-figure"' in html


def test_change_from_the_last_round_and_patients_over_the_same_dates(
    client, manager_a, clinic_a, staff_instrument, full_answers, settings
):
    settings.MIN_GROUP_SIZE = 2
    first = round_with_answers(clinic_a, days_ago=60, energies=[1] * 5)  # burnout 25 each
    second = round_with_answers(clinic_a, days_ago=3, energies=ENERGIES)  # mean 50
    # Patients: empathy answered 5 (score 100) in the first round's dates, 3 (50) in the second,
    # and 1 (0) outside both rounds, which must not count.
    patient_answers_on(
        clinic_a,
        _patient(),
        full_answers,
        first.opens_on,
        empathy=5,
    )
    patient_answers_on(clinic_a, _patient(), full_answers, second.closes_on, empathy=3)
    patient_answers_on(
        clinic_a, _patient(), full_answers, first.closes_on + dt.timedelta(days=5), empathy=1
    )
    client.force_login(manager_a)
    html = clinic_page(client, clinic_a)
    energy, empathy = "Energy (higher = less burnout)", "Patients: Empathy"
    second_table = html.split(f"Round {second.opens_on:%Y-%m-%d}")[1]
    assert f"{energy}</th><td>50.0</td><td>25.5 – 74.5</td><td>+25.0</td><td>5</td>" in (
        second_table
    )
    assert f"{empathy}</th><td>50.0</td><td>50.0 – 50.0</td><td>-50.0</td><td>2</td>" in (
        second_table
    )
    first_table = html.split(f"Round {first.opens_on:%Y-%m-%d}")[1]
    assert f"{empathy}</th><td>100.0</td>" in first_table


def _patient():
    from feedback.services import instrument_current

    return instrument_current()


def test_the_page_reads_sums_not_rows(
    client, manager_a, clinic_a, staff_instrument, django_assert_max_num_queries
):
    for days_ago in (200, 100, 3):
        round_with_answers(clinic_a, days_ago=days_ago, energies=ENERGIES)
    client.force_login(manager_a)
    with django_assert_max_num_queries(30):
        clinic_page(client, clinic_a)


def test_a_manager_of_another_clinic_gets_404_on_every_wellbeing_page(
    client, manager_b, clinic_a, staff_instrument
):
    round_with_answers(clinic_a, days_ago=3, energies=ENERGIES)
    client.force_login(manager_b)
    for name in ("wellbeing_clinic", "wellbeing_rounds_csv", "pulse_round_new"):
        url = reverse(f"analytics:{name}", args=[clinic_a.pk])
        assert client.get(url).status_code == 404, name
    today = timezone.localdate()
    refused = client.post(
        reverse("analytics:pulse_round_new", args=[clinic_a.pk]),
        {"opens_on": today, "closes_on": today + dt.timedelta(days=9)},
    )
    assert refused.status_code == 404
    assert PulseRound.objects.filter(clinic=clinic_a).count() == 1
    assert client.get(reverse("analytics:wellbeing_scatter")).status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_REFUSED).count() == 4
    chooser = client.get(reverse("analytics:wellbeing"))
    assert chooser.status_code == 302  # straight to clinic B, the only one
    assert chooser["Location"] == reverse(
        "analytics:wellbeing_clinic", args=[manager_b.clinic_memberships.get().clinic_id]
    )


def test_the_scatter_leaves_out_clinics_under_either_threshold(
    client, admin_user, clinic_a, clinic_b, staff_instrument, full_answers, settings
):
    settings.MIN_GROUP_SIZE = 2
    clinic_c = Clinic.objects.create(name="Lakeside", slug="lakeside", timezone="UTC")
    clinic_d = Clinic.objects.create(name="No Round Yet", slug="none", timezone="UTC")
    clinic_e = Clinic.objects.create(name="Eastgate", slug="eastgate", timezone="UTC")
    complement = round_with_answers(clinic_a, days_ago=3, energies=ENERGIES)  # 5 staff
    round_with_answers(clinic_b, days_ago=3, energies=ENERGIES[:4])  # 4 staff
    few_patients = round_with_answers(clinic_c, days_ago=3, energies=ENERGIES * 2)
    shown = round_with_answers(clinic_e, days_ago=3, energies=[*ENERGIES, 5])  # 6 staff
    for clinic, pulse_round, times in (
        (clinic_a, complement, 3),
        (clinic_c, few_patients, 1),
        (clinic_e, shown, 3),
    ):
        patient_answers_on(
            clinic, _patient(), full_answers, pulse_round.opens_on, empathy=4, times=times
        )
    client.force_login(admin_user)
    page = client.get(reverse("analytics:wellbeing_scatter"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "association, not a cause" in html
    assert html.count('data-testid="scatter-clinic"') == 1
    # Burnout (25 + 37.5 + 50 + 62.5 + 75 + 75) / 6 = 54.2; empathy answered 4 -> 75.
    assert "Eastgate (staff n=6, patients n=3)" in html
    assert "<td>54.2 (" in html
    left_out = html.split('data-testid="left-out"')[1].split("</ul>")[0]
    assert "Hillcrest Health Centre: fewer than 5 staff responses" in left_out
    # Riverside (5, the smallest shown cell) goes too, or all clinics minus the shown ones
    # would give Hillcrest's 4 answers away.
    assert "Riverside Family Clinic: hidden so that a group of fewer than 5 staff" in left_out
    assert "Lakeside: fewer than 2 patient responses" in left_out
    assert clinic_d.name not in left_out
    assert "No pulse round yet: No Round Yet" in html


def test_the_round_csv_holds_aggregates_only_and_is_audited(
    client, manager_a, clinic_a, staff_instrument
):
    round_with_answers(clinic_a, days_ago=60, energies=ENERGIES[:4])
    round_with_answers(clinic_a, days_ago=3, energies=ENERGIES)
    client.force_login(manager_a)
    download = client.get(reverse("analytics:wellbeing_rounds_csv", args=[clinic_a.pk]))
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    # 2 rounds x (5 staff dimensions + empathy + trust); no response-level row.
    assert len(rows) == 14
    small = [r for r in rows if r["respondents"] == "fewer than 5" and r["group"] == "staff"]
    assert len(small) == 5
    assert all(r["mean"] == "" and r["n"] == "" for r in small)
    assert small[0]["note"] == "fewer than 5 responses"
    burnout = next(r for r in rows if r["dimension"] == "burnout" and r["respondents"] == "5")
    assert (burnout["n"], burnout["mean"], burnout["mean_ci_lower"], burnout["mean_ci_upper"]) == (
        "5",
        "50.0",
        "25.46",
        "74.54",
    )
    assert burnout["change_from_previous_round"] == ""  # the round before is hidden
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == manager_a and event.clinic == clinic_a
    assert event.details["kind"] == "pulse_rounds" and event.details["rows"] == 14


def test_a_manager_opens_a_round_and_mails_the_pasted_staff_list(
    client, manager_a, clinic_a, staff_instrument
):
    client.force_login(manager_a)
    url = reverse("analytics:pulse_round_new", args=[clinic_a.pk])
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    bad = client.post(
        url,
        {
            "opens_on": today,
            "closes_on": today - dt.timedelta(days=1),
            "staff_emails": "ana@example.org\nnot-an-address\n",
        },
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Not an e-mail address: not-an-address" in html
    assert "A round cannot close before it opens." in html
    assert not PulseRound.objects.exists() and not mail.outbox

    made = client.post(
        url,
        {
            "opens_on": today,
            "closes_on": today + dt.timedelta(days=14),
            "staff_emails": "ana@example.org\nben@example.org,  Front   desk \n",
            "support_text": "Peer support: room 4.",
            "support_links": "Peer support line https://example.org/peers",
        },
    )
    assert made.status_code == 302
    pulse_round = PulseRound.objects.get(clinic=clinic_a)
    assert pulse_round.created_by == manager_a
    assert pulse_round.support_links == [
        {"label": "Peer support line", "url": "https://example.org/peers"}
    ]
    assert sorted(
        StaffInvitation.objects.filter(round=pulse_round).values_list("role_group", flat=True)
    ) == ["", "Front desk"]
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "ben@example.org"]
    page = client.get(made["Location"])
    assert "Round opened; 2 staff links sent." in page.content.decode()


def test_the_spanish_page_translates_the_band_and_the_tables(
    client, manager_a, clinic_a, staff_instrument
):
    round_with_answers(clinic_a, days_ago=60, energies=ENERGIES[:4])
    round_with_answers(clinic_a, days_ago=3, energies=ENERGIES)
    client.force_login(manager_a)
    page = client.get(
        reverse("analytics:wellbeing_clinic", args=[clinic_a.pk]), HTTP_ACCEPT_LANGUAGE="es"
    )
    html = page.content.decode()
    for spanish in (
        "No se muestra: menos de 5 respuestas.",
        "Bienestar del personal",
        "5 respuestas del personal",
        "Intervalo del 95%<",
        "Energía (más alto = menos agotamiento)",
        "por ronda del pulso",  # the chart's heading
    ):
        assert spanish in html, spanish
    for english in ("staff responses", "Not shown", "95% interval", "Open a pulse round"):
        assert english not in html, english


def test_staff_answers_never_show_one_by_one_in_the_admin(admin_client, clinic_a, staff_instrument):
    staff = answer_in(round_with_answers(clinic_a, days_ago=3, energies=[]), 3)
    listing = admin_client.get(reverse("admin:feedback_response_changelist")).content.decode()
    assert f"Response {staff.pk} " not in listing and "0 responses" in listing
    change = admin_client.get(reverse("admin:feedback_response_change", args=[staff.pk]))
    assert change.status_code == 302  # "does not exist": back to the admin index
    assert Response.objects.filter(pk=staff.pk).exists()


def test_the_scatter_compares_the_rounds_opened_by_a_chosen_day(
    client, admin_user, clinic_a, staff_instrument, full_answers, settings
):
    settings.MIN_GROUP_SIZE = 2
    earlier = round_with_answers(clinic_a, days_ago=100, energies=[1] * 5)  # burnout 25
    later = round_with_answers(clinic_a, days_ago=3, energies=[5] * 5)  # burnout 75
    for pulse_round in (earlier, later):
        patient_answers_on(clinic_a, _patient(), full_answers, pulse_round.opens_on, empathy=4)
    client.force_login(admin_user)
    url = reverse("analytics:wellbeing_scatter")
    assert "<td>75.0" in client.get(url).content.decode()
    chosen = client.get(url, {"until": (earlier.opens_on + dt.timedelta(days=1)).isoformat()})
    assert chosen.status_code == 200 and "<td>25.0" in chosen.content.decode()
    refused = client.get(url, {"until": "not-a-date"})
    assert refused.status_code == 400 and "Enter a valid date." in refused.content.decode()


def test_the_monthly_report_lists_rounds_closed_in_the_month_with_the_band_under_five(
    clinic_a, clinic_b, staff_instrument
):
    from analytics.reports.services import organisation_report, report_sections

    shown = round_with_answers(clinic_a, days_ago=3, energies=ENERGIES)
    hidden = round_with_answers(clinic_b, days_ago=3, energies=ENERGIES[:4])
    month = shown.closes_on.replace(day=1)
    if hidden.closes_on.replace(day=1) != month:  # the clinics' "today" straddles a month
        pytest.skip("rounds closed in different months")
    lines = report_sections(organisation_report(month=month, language="en"))["staff_wellbeing"]
    dates_a = f"{shown.opens_on:%Y-%m-%d} – {shown.closes_on:%Y-%m-%d}"
    dates_b = f"{hidden.opens_on:%Y-%m-%d} – {hidden.closes_on:%Y-%m-%d}"
    assert sorted(lines) == sorted(
        [
            f"Riverside Family Clinic, round {dates_a}: Energy (higher = less burnout) 50.0 "
            "(95% interval 25.5 to 74.5), 5 staff responses",
            f"Hillcrest Health Centre, round {dates_b}: not shown (fewer than 5 responses)",
        ]
    )
    earlier = report_sections(
        organisation_report(month=month.replace(year=month.year - 1), language="en")
    )
    assert earlier["staff_wellbeing"] is None


def test_the_round_form_takes_today_in_the_clinics_time_zone(
    client, manager_a, clinic_a, staff_instrument, monkeypatch
):
    """Server (UTC) already on 5 December, clinic (New York) still on the 4th: a round opening
    on the 5th has not opened there, so no link can go out yet; a clear 400, not a 500."""
    moment = dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    client.force_login(manager_a)
    url = reverse("analytics:pulse_round_new", args=[clinic_a.pk])
    assert 'value="2026-12-04"' in client.get(url).content.decode()  # the clinic's today
    refused = client.post(
        url,
        {"opens_on": "2026-12-05", "closes_on": "2026-12-20", "staff_emails": "ana@example.org"},
    )
    assert refused.status_code == 400
    assert "Links can only be sent once the round is open" in refused.content.decode()
    assert not PulseRound.objects.exists() and not mail.outbox


def test_the_role_group_table_appears_when_no_small_group_can_be_worked_out(
    client, manager_a, clinic_a, staff_instrument
):
    from feedback.pulse import pulse_response_submit, staff_invitations_create
    from tests.analytics.wellbeing.conftest import staff_answers

    today = timezone.localdate()
    pulse_round = round_with_answers(clinic_a, days_ago=0, energies=[])
    pulse_round.closes_on = today + dt.timedelta(days=5)
    pulse_round.save()
    links = {
        group: staff_invitations_create(
            pulse_round=pulse_round,
            emails=[f"{group.lower()}{i}@example.org" for i in range(6)],
            role_group=group,
            send=False,
        )
        for group in ("Nursing", "Reception", "Physicians")
    }

    def answer(group: str, count: int, *, first: int = 0) -> None:
        for invitation in links[group][first : first + count]:
            pulse_response_submit(
                pulse_round=pulse_round,
                answers=staff_answers(3),
                language="en",
                invitation=invitation,
            )

    answer("Nursing", 6)
    answer("Reception", 5)
    answer("Physicians", 4)
    client.force_login(manager_a)
    html = clinic_page(client, clinic_a)
    groups = html.split('data-testid="round-groups"')[1].split("</table>")[0]
    assert '<th scope="row">Nursing</th><td>50.0</td>' in groups
    assert 'Physicians</th><td colspan="3" class="fst-italic">fewer than 5 responses' in groups
    assert 'Reception</th><td colspan="3" class="fst-italic">hidden so that' in groups

    answer("Physicians", 1, first=4)  # the fifth physician
    groups = clinic_page(client, clinic_a).split('data-testid="round-groups"')[1]
    assert "fst-italic" not in groups.split("</table>")[0]
