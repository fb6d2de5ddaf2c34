"""The monthly leadership report: numbers from the rollups by hand, suppression, who may read
it, and the opt-in e-mail sent once per user and month."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from analytics.alerts.models import MonthlyReportDelivery, StaffMailPreference, TrendAlert
from analytics.reports.services import clinic_report, monthly_reports_send, organisation_report
from analytics.rollups.services import dirty_buckets_drain
from feedback.models import FollowUp
from feedback.models import Testimonial as Story
from feedback.services import response_submit
from tests.conftest import MANAGER_PASSWORD

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)
SEPTEMBER = dt.date(2026, 9, 1)


def answers_at(full_answers, empathy: int, recommend: int) -> dict:
    return {
        **full_answers,
        "empathy_feelings": empathy,
        "empathy_person": empathy,
        "empathy_kindness": empathy,
        "recommend": recommend,
    }


def submit(instrument, clinic, answers, day: dt.date, **extra):
    return response_submit(
        instrument=instrument,
        clinic=clinic,
        answers=answers,
        language="en",
        now=timezone.make_aware(dt.datetime.combine(day, dt.time(12)), clinic.tzinfo),
        **extra,
    )


@pytest.fixture
def two_months(instrument, clinic_a, full_answers):
    """September: 10 answers, empathy 4 (75) and recommend 9. October: empathy 4 (75) six
    times and 5 (100) four times; recommend 9 six times (promoters), 7 twice, 5 twice
    (detractors)."""
    for number in range(10):
        submit(
            instrument, clinic_a, answers_at(full_answers, 4, 9), SEPTEMBER + dt.timedelta(number)
        )
    october = [(4, 9), (4, 9), (4, 9), (4, 7), (4, 7), (4, 5), (5, 5), (5, 9), (5, 9), (5, 9)]
    for number, (empathy, recommend) in enumerate(october):
        submit(
            instrument,
            clinic_a,
            answers_at(full_answers, empathy, recommend),
            OCTOBER + dt.timedelta(number),
        )
    dirty_buckets_drain()


def figure(report, key):
    return next(f for f in report.figures if f.key == key)


def test_report_numbers_match_a_hand_calculation(clinic_a, two_months):
    report = clinic_report(clinic=clinic_a, month=OCTOBER, language="en")
    assert report.responses == 10
    empathy = figure(report, "empathy")
    # 6 x 75 and 4 x 100: mean 85; s^2 = (6 * 10^2 + 4 * 15^2) / 9 = 166.67, s = 12.910;
    # half-width t(0.975, 9) * s / sqrt(10) = 2.262157 * 4.0825 = 9.2353.
    assert empathy.n == 10
    assert empathy.value == pytest.approx(85.0)
    assert (empathy.lower, empathy.upper) == (
        pytest.approx(75.7647, abs=1e-3),
        pytest.approx(94.2353, abs=1e-3),
    )
    assert empathy.previous == pytest.approx(75.0) and empathy.change == pytest.approx(10.0)
    # Welch: September has no spread, so se = 4.0825 and df = 9 as above: 10 -/+ 9.2353.
    assert (empathy.change_lower, empathy.change_upper) == (
        pytest.approx(0.7647, abs=1e-3),
        pytest.approx(19.2353, abs=1e-3),
    )
    nps = figure(report, "nps-recommend")
    # October: 6 promoters and 2 detractors of 10 (the two 7s are passives):
    # NPS = 100 * (6 - 2) / 10 = 40; September all 9 -> 100; change -60.
    assert nps.value == pytest.approx(40.0) and nps.previous == pytest.approx(100.0)
    assert nps.change == pytest.approx(-60.0)
    assert (nps.change_lower, nps.change_upper) == (None, None)


def test_a_month_with_fewer_than_the_minimum_shows_no_figure_and_no_change(
    instrument, clinic_a, full_answers, two_months
):
    # November: 9 answers only.
    for number in range(9):
        submit(
            instrument,
            clinic_a,
            answers_at(full_answers, 5, 9),
            dt.date(2026, 11, 2) + dt.timedelta(number),
        )
    dirty_buckets_drain()
    report = clinic_report(clinic=clinic_a, month=dt.date(2026, 11, 1), language="en")
    empathy = figure(report, "empathy")
    assert report.responses is None
    assert (empathy.value, empathy.lower, empathy.change) == (None, None, None)
    assert empathy.previous == pytest.approx(85.0)  # October is shown, as its own figure


def test_report_counts_the_months_follow_ups_stories_and_signals(
    instrument, clinic_a, full_answers, manager_a
):
    low = submit(
        instrument,
        clinic_a,
        answers_at(full_answers, 1, 9),
        OCTOBER + dt.timedelta(3),
        testimonial_text="The nurse was kind to me.",
        testimonial_consent="anonymous",
    )
    in_october = timezone.make_aware(dt.datetime(2026, 10, 20, 12), clinic_a.tzinfo)
    FollowUp.objects.filter(response=low).update(
        created_at=in_october, status="handled", handled_at=in_october
    )
    Story.objects.filter(response=low).update(status="approved", moderated_at=in_october)
    TrendAlert.objects.create(
        clinic=clinic_a,
        dimension="empathy",
        kind="shift",
        week=dt.date(2026, 10, 12),
        value=60,
        n=12,
    )
    TrendAlert.objects.create(  # a week of September: not this month's
        clinic=clinic_a,
        dimension="empathy",
        kind="shift",
        week=dt.date(2026, 9, 28),
        value=60,
        n=12,
    )
    dirty_buckets_drain()
    report = clinic_report(clinic=clinic_a, month=OCTOBER, language="en")
    assert (report.follow_ups_opened, report.follow_ups_handled) == (1, 1)
    assert report.stories_approved == 1 and report.stories == ("The nurse was kind to me.",)
    assert [(a.week, a.dimension, a.kind) for a in report.alerts] == [
        (dt.date(2026, 10, 12), "Empathy", "Shift (7 on one side)")
    ]


def test_organisation_report_adds_up_every_clinic(instrument, clinic_a, clinic_b, full_answers):
    for clinic, empathy in ((clinic_a, 4), (clinic_b, 5)):
        for number in range(5):
            submit(
                instrument,
                clinic,
                answers_at(full_answers, empathy, 9),
                OCTOBER + dt.timedelta(number),
            )
    dirty_buckets_drain()
    report = organisation_report(month=OCTOBER, language="en")
    # Each clinic alone has 5 (hidden); together 10: 5 x 75 and 5 x 100 -> 87.5.
    assert figure(report, "empathy").value == pytest.approx(87.5)
    assert (
        figure(clinic_report(clinic=clinic_a, month=OCTOBER, language="en"), "empathy").value
        is None
    )


def signed_in(client, user):
    client.login(username=user.username, password=MANAGER_PASSWORD)
    return client


def test_the_report_page_shows_the_numbers_and_prints_without_navigation(
    client, manager_a, clinic_a, two_months
):
    page = signed_in(client, manager_a).get(reverse("reports:clinic", args=[clinic_a.pk, 2026, 10]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "85.0" in html and "75.8 – 94.2" in html and "+10.0" in html and "-60.0" in html
    assert "0.8 – 19.2" in html  # the change's Welch interval
    assert 'class="report-no-print"' in html and "css/report.css" in html
    assert "None recorded." in html  # interventions and staff wellbeing, until wired


def test_the_report_page_of_another_clinic_is_a_404(client, manager_b, clinic_a):
    url = reverse("reports:clinic", args=[clinic_a.pk, 2026, 10])
    assert signed_in(client, manager_b).get(url).status_code == 404


def test_the_organisation_report_is_refused_to_managers_and_shown_to_admins(
    client, instrument, manager_a, admin_user, clinic_a
):
    url = reverse("reports:organisation", args=[2026, 10])
    assert signed_in(client, manager_a).get(url).status_code == 404
    client.logout()
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(("year", "month"), [(2026, 13), (2026, 0), (2999, 1)])
def test_a_month_that_does_not_exist_or_has_not_ended_is_a_clear_400(
    client, manager_a, clinic_a, year, month
):
    page = signed_in(client, manager_a).get(
        reverse("reports:clinic", args=[clinic_a.pk, year, month])
    )
    assert page.status_code == 400
    assert "Choose a month that has ended" in page.content.decode()


def test_the_report_index_lists_only_my_clinics(client, manager_a, clinic_a, clinic_b):
    html = signed_in(client, manager_a).get(reverse("reports:index")).content.decode()
    assert clinic_a.name in html and clinic_b.name not in html
    assert "All clinics" not in html


def test_a_manager_turns_alerts_off_and_the_report_on(client, manager_a):
    signed_in(client, manager_a)
    page = client.post(
        reverse("reports:preferences"), {"monthly_report": "on", "language": "es"}, follow=True
    )
    assert page.status_code == 200
    saved = StaffMailPreference.objects.get(user=manager_a)
    assert (saved.signal_alerts, saved.monthly_report, saved.language) == (False, True, "es")


def test_a_language_that_staff_pages_do_not_speak_is_refused(client, manager_a):
    page = signed_in(client, manager_a).post(reverse("reports:preferences"), {"language": "ar"})
    assert page.status_code == 200 and not StaffMailPreference.objects.exists()


def test_the_preferences_page_needs_a_sign_in(client):
    assert client.get(reverse("reports:preferences")).status_code == 302


@pytest.fixture
def opted_in(manager_a):
    manager_a.email = "manager.a@clinic.example"
    manager_a.save()
    StaffMailPreference.objects.create(user=manager_a, monthly_report=True)
    return manager_a


def test_the_report_email_goes_once_per_user_and_month(opted_in, clinic_a, two_months, admin_user):
    first_of_november = dt.datetime(2026, 11, 1, 7, 30, tzinfo=dt.UTC)
    assert monthly_reports_send(now=first_of_november) == 1
    assert monthly_reports_send(now=first_of_november + dt.timedelta(minutes=5)) == 0
    [message] = mail.outbox
    assert message.to == ["manager.a@clinic.example"]
    assert message.subject == "Leadership report for October 2026"
    assert (
        "Empathy: 85.0 (95% CI 75.8 to 94.2), change +10.0 from the month before "
        "(95% CI 0.8 to 19.2)"
    ) in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "85.0" in html
    assert f"/reports/clinic/{clinic_a.pk}/2026/10/" in message.body
    assert MonthlyReportDelivery.objects.get().sent_at is not None
    # December brings the next month's report.
    assert monthly_reports_send(now=first_of_november + dt.timedelta(days=30)) == 1


def test_no_report_email_without_opting_in(manager_a, clinic_a, two_months):
    manager_a.email = "manager.a@clinic.example"
    manager_a.save()
    assert monthly_reports_send(now=dt.datetime(2026, 11, 1, 7, 30, tzinfo=dt.UTC)) == 0


def test_the_report_page_and_email_speak_spanish(client, manager_a, clinic_a, two_months):
    client.force_login(manager_a)
    page = client.get(
        reverse("reports:clinic", args=[clinic_a.pk, 2026, 10]), HTTP_ACCEPT_LANGUAGE="es"
    )
    html = page.content.decode()
    assert "Puntuaciones principales" in html and "Nada registrado." in html
    assert "85,0" in html  # the decimal comma
    manager_a.email = "manager.a@clinic.example"
    manager_a.save()
    StaffMailPreference.objects.create(user=manager_a, monthly_report=True, language="es")
    monthly_reports_send(now=dt.datetime(2026, 11, 1, 7, 30, tzinfo=dt.UTC))
    [message] = mail.outbox
    assert message.subject == "Informe para la dirección de octubre 2026"
    assert "cambio de +10,0 respecto al mes anterior" in message.body


def test_the_report_page_reads_a_fixed_handful_of_queries(
    client, manager_a, clinic_a, two_months, django_assert_max_num_queries
):
    client.force_login(manager_a)
    # 13: session, user, clinic, instrument, two months' sums, responses, follow-ups, stories
    # (count and texts), signals, interventions, staff pulse rounds; however many responses and
    # days the month holds.
    with django_assert_max_num_queries(13):
        page = client.get(reverse("reports:clinic", args=[clinic_a.pk, 2026, 10]))
    assert page.status_code == 200


@pytest.mark.parametrize("model", ["staffmailpreference", "trendalert", "monthlyreportdelivery"])
def test_the_admin_lists_preferences_signals_and_report_deliveries(admin_client, model):
    assert admin_client.get(reverse(f"admin:analytics_{model}_changelist")).status_code == 200


def test_an_admin_turns_a_managers_alerts_off_in_the_admin(admin_client, manager_a):
    page = admin_client.post(
        reverse("admin:analytics_staffmailpreference_add"),
        {"user": manager_a.pk, "monthly_report": "on", "language": "en"},
    )
    assert page.status_code == 302
    saved = StaffMailPreference.objects.get(user=manager_a)
    assert (saved.signal_alerts, saved.monthly_report) == (False, True)
