"""seed_demo: realistic, deterministic demo data, scored exactly as real submissions are."""

import datetime as dt
import io
from collections import defaultdict

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from analytics.comments.services import comments_analyse_backlog, theme_section
from feedback.demo_data import demo_data_seed
from feedback.demo_data.logins import DEMO_LOGINS
from feedback.demo_data.story import MANAGER_CLINIC_SLUG
from feedback.follow_ups import follow_up_reasons
from feedback.models import (
    AuditEvent,
    Channel,
    Clinic,
    ClinicMembership,
    CommentAnalysis,
    DimensionScore,
    DirtyBucket,
    FollowUp,
    Invitation,
    Provider,
    Response,
    Visit,
)
from feedback.models import (
    Testimonial as PatientTestimonial,  # a "Test..." name would be collected by pytest
)
from feedback.scoring import score_response
from feedback.services import instrument_definition
from feedback.testimonials import testimonials_public as public_stories

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)


def seed_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def patient_responses():
    """The --responses option counts patients' answers; the staff pulse rounds come on top."""
    return Response.objects.filter(pulse_round__isnull=True)


class _Rollback(Exception):
    pass


def snapshot() -> dict[str, list]:
    """Everything the seed decides, without primary keys or the (deliberately random) tokens."""
    return {
        "responses": list(
            patient_responses()
            .order_by("submitted_at", "clinic__slug", "pk")
            .values_list(
                "clinic__slug",
                "provider__display_name",
                "channel",
                "language",
                "visit_type",
                "submitted_at",
                "local_date",
                "answers",
                "comment",
            )
        ),
        "invitations": list(
            Invitation.objects.order_by("visit__external_id").values_list(
                "visit__external_id",
                "visit__occurred_at",
                "channel",
                "language",
                "sent_at",
                "sent_local_date",
                "used_at",
                "reminder_sent_at",
                "contact",
                "contact_erased_at",
                "expires_at",
            )
        ),
        "testimonials": sorted(
            PatientTestimonial.objects.values_list(
                "text", "consent", "first_name", "status", "moderated_at"
            )
        ),
        "follow_ups": list(
            FollowUp.objects.order_by("response__submitted_at", "pk").values_list(
                "response__submitted_at", "reasons", "status", "handled_at", "note"
            )
        ),
        "staff_responses": list(
            Response.objects.filter(pulse_round__isnull=False)
            .order_by("submitted_at", "clinic__slug", "pk")
            .values_list(
                "clinic__slug",
                "pulse_round__opens_on",
                "pulse_round__closes_on",
                "language",
                "submitted_at",
                "local_date",
                "answers",
            )
        ),
    }


def snapshot_of_seed(seed: int) -> dict[str, list]:
    try:
        with transaction.atomic():
            demo_data_seed(responses=150, seed=seed, today=TODAY)
            taken = snapshot()
            raise _Rollback
    except _Rollback:
        return taken


def test_seed_demo_creates_clinics_providers_and_the_requested_responses():
    seed_demo("--responses", "300", "--seed", "3")

    clinics = Clinic.objects.all()
    assert clinics.count() == 3
    assert len({clinic.timezone for clinic in clinics}) == 3
    assert 14 <= Provider.objects.count() <= 17
    assert Provider.objects.values("role").distinct().count() >= 4
    assert patient_responses().count() == 300
    assert set(patient_responses().values_list("channel", flat=True)) == set(Channel.values)
    assert set(Response.objects.values_list("language", flat=True)) == {"en", "es"}
    commented = Response.objects.exclude(comment="")
    assert set(commented.values_list("language", flat=True)) == {"en", "es"}
    assert PatientTestimonial.objects.exists()
    assert set(PatientTestimonial.objects.values_list("status", flat=True)) <= {
        "pending",
        "approved",
        "rejected",
    }
    kiosk = patient_responses().filter(channel=Channel.QR)
    assert not kiosk.filter(provider__isnull=False).exists()
    assert not kiosk.filter(invitation__isnull=False).exists()
    invited = Response.objects.exclude(channel=Channel.QR)
    assert invited.filter(invitation__isnull=True).count() == 0
    assert Visit.objects.count() == Invitation.objects.count()


def test_a_response_rate_is_derivable_from_sent_and_answered_invitations():
    seed_demo("--responses", "300")

    sent = Invitation.objects.filter(sent_at__isnull=False).count()
    answered = Invitation.objects.filter(used_at__isnull=False).count()
    assert answered == patient_responses().exclude(channel=Channel.QR).count()
    assert 0.25 < answered / sent < 0.6


def test_stored_scores_equal_score_response_of_the_stored_answers():
    seed_demo("--responses", "200")

    stored = defaultdict(dict)
    for score in DimensionScore.objects.all():
        stored[score.response_id][score.dimension] = (
            score.mean,
            score.score,
            score.answered_items,
            score.top_box_items,
        )
    responses = Response.objects.select_related("instrument")
    assert patient_responses().count() == 200
    for response in responses:
        expected = score_response(instrument_definition(response.instrument), response.answers)
        assert stored[response.pk] == {
            dimension: (r.mean, r.score, r.answered_items, r.top_box_items)
            for dimension, r in expected.items()
        }


def test_answered_invitations_keep_no_contact_and_old_unanswered_ones_are_erased_too():
    seed_demo("--responses", "200")

    answered = Invitation.objects.filter(used_at__isnull=False)
    assert answered.exists()
    assert not answered.exclude(contact="").exists()
    assert not answered.filter(contact_erased_at__isnull=True).exists()
    reminded_or_expired = Invitation.objects.filter(reminder_sent_at__isnull=False)
    assert reminded_or_expired.exists()
    assert not reminded_or_expired.exclude(contact="").exists()
    assert not Invitation.objects.filter(contact_hash="").exists()


def test_local_dates_are_days_in_the_clinic_timezone_and_every_day_is_marked_dirty():
    seed_demo("--responses", "200")

    responses = Response.objects.select_related("clinic")
    for response in responses:
        assert (
            response.local_date == response.submitted_at.astimezone(response.clinic.tzinfo).date()
        )
    invitations = Invitation.objects.select_related("visit__clinic").filter(sent_at__isnull=False)
    for invitation in invitations:
        assert (
            invitation.sent_local_date
            == invitation.sent_at.astimezone(invitation.visit.clinic.tzinfo).date()
        )
    # Staff pulse answers never enter a rollup, so their days are not marked (as in the product).
    assert set(DirtyBucket.objects.values_list("clinic_id", "local_date")) == set(
        patient_responses().values_list("clinic_id", "local_date")
    ) | set(invitations.values_list("visit__clinic_id", "sent_local_date"))


def test_the_printed_logins_work_and_the_manager_belongs_to_one_clinic_only():
    output = seed_demo("--responses", "50")

    for username, password, superuser in DEMO_LOGINS:
        assert f"username: {username}" in output
        assert password in output
        user = authenticate(username=username, password=password)
        assert user is not None
        assert user.is_superuser is superuser
    manager = get_user_model().objects.get(username="manager")
    assert manager.is_staff is False
    assert ClinicMembership.objects.filter(user=manager).count() == 1


def test_the_same_seed_gives_the_same_data_and_another_seed_different_data():
    first = snapshot_of_seed(11)
    assert len(first["responses"]) == 150
    assert snapshot_of_seed(11) == first
    assert len(first["staff_responses"]) >= 6 * 6  # two rounds of 6 or more per clinic
    other = snapshot_of_seed(12)
    assert other["responses"] != first["responses"]
    assert other["staff_responses"] != first["staff_responses"]


def test_if_empty_is_a_no_op_the_second_time():
    seed_demo("--if-empty", "--responses", "80")
    before = snapshot()

    output = seed_demo("--if-empty", "--responses", "80")

    assert "no demo data added" in output
    assert snapshot() == before
    assert Clinic.objects.count() == 3
    assert "demo-manager-2026" in output  # a reminder of the logins for `make run`


def test_if_empty_reminds_only_of_demo_logins_whose_password_is_unchanged():
    seed_demo("--responses", "30")
    manager = get_user_model().objects.get(username="manager")
    manager.set_password("a-new-private-password")
    manager.save()

    output = seed_demo("--if-empty")

    assert "demo-admin-2026" in output
    assert "demo-manager-2026" not in output
    assert "a-new-private-password" not in output


def test_without_if_empty_a_database_with_clinics_is_refused(clinic_a):
    with pytest.raises(CommandError, match="already has clinics"):
        seed_demo("--responses", "20")
    assert Response.objects.count() == 0
    assert list(Clinic.objects.all()) == [clinic_a]


def test_five_thousand_responses_are_seeded_and_show_the_demo_stories():
    seed_demo()
    assert patient_responses().count() == 5000

    def mean(dimension: str, **filters) -> float:
        scores = DimensionScore.objects.filter(dimension=dimension, **filters)
        return scores.aggregate(value=Avg("score"))["value"]

    # Dr. Chen's patients feel the most rushed of any provider.
    by_provider = {
        provider.display_name: mean("time", response__provider=provider)
        for provider in Provider.objects.all()
    }
    assert min(by_provider, key=by_provider.get) == "Dr. Michael Chen"
    # Prairie Creek's empathy rises after its active listening workshop, 75 days before the
    # seed day (two days long, so from 73 days before it).
    prairie = Clinic.objects.get(slug="prairie-creek")
    cut = patient_responses().latest("submitted_at").local_date - dt.timedelta(days=73)
    before = mean("empathy", response__clinic=prairie, response__local_date__lt=cut)
    after = mean("empathy", response__clinic=prairie, response__local_date__gte=cut)
    assert after - before > 5

    # Each clinic has one recorded intervention, and its effect shows in the rollups.
    from analytics.interventions.models import Intervention
    from analytics.interventions.selectors import intervention_effects
    from analytics.rollups.services import dirty_buckets_drain

    dirty_buckets_drain()
    assert Intervention.objects.count() == Clinic.objects.count() == 3
    effects = intervention_effects(
        clinic_ids=list(Clinic.objects.values_list("pk", flat=True)),
        period_start=dt.date(2000, 1, 1),
        period_end=dt.date(2100, 1, 1),
    )
    shown = {
        effect.title: {row.dimension: row.covered.difference for row in effect.dimensions}
        for effect in effects
    }
    # The dimension each one aimed at rose, with a 95% interval above zero.
    for title, dimension in (
        ("Active listening workshop", "empathy"),
        ("Protected time for questions", "communication"),
        ("Respect coaching", "respect"),
    ):
        assert shown[title][dimension].lower > 0, (title, shown[title][dimension])
    coaching = next(effect for effect in effects if effect.title == "Respect coaching")
    assert coaching.provider_names == ("Dr. Peter Novak",)
    respect = next(row for row in coaching.dimensions if row.dimension == "respect")
    assert respect.comparison is not None and respect.difference_in_differences > 0


def test_the_seeded_days_are_aggregated_once_the_seed_commits(
    monkeypatch, django_capture_on_commit_callbacks
):
    from compassion_portal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # the demo's in-process mode
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        seed_demo("--responses", "60")

    assert callbacks
    assert patient_responses().count() == 60
    assert not DirtyBucket.objects.exists()


def test_two_past_pulse_rounds_per_clinic_with_enough_answers_to_show(settings):
    from analytics.wellbeing.selectors import pulse_round_respondents
    from feedback.models import PulseRound, StaffInvitation

    summary = demo_data_seed(responses=200, seed=4, today=TODAY)
    rounds = PulseRound.objects.order_by("clinic__slug", "opens_on")
    assert rounds.count() == 6
    assert {c: 2 for c in Clinic.objects.values_list("slug", flat=True)} == {
        slug: rounds.filter(clinic__slug=slug).count()
        for slug in Clinic.objects.values_list("slug", flat=True)
    }
    assert all(r.closes_on < TODAY for r in rounds)
    respondents = pulse_round_respondents([r.pk for r in rounds])
    assert min(respondents.values()) >= max(settings.STAFF_MIN_GROUP_SIZE, 5)
    assert sum(respondents.values()) == summary.staff_responses
    staff = Response.objects.filter(pulse_round__isnull=False)
    assert not staff.filter(provider__isnull=False).exists()
    assert not staff.filter(invitation__isnull=False).exists()
    assert not StaffInvitation.objects.exists()
    for response in staff.select_related("pulse_round"):
        assert (
            response.pulse_round.opens_on <= response.local_date <= response.pulse_round.closes_on
        )


# What each page of the demo shows ---------------------------------------------------------------


def test_the_demo_opens_follow_ups_exactly_where_a_real_submission_would():
    seed_demo("--responses", "400")

    definition = instrument_definition(Response.objects.first().instrument)
    scores = defaultdict(list)
    for score in DimensionScore.objects.all():
        scores[score.response_id].append(score)
    expected = {}
    for response in Response.objects.select_related("testimonial"):
        story = getattr(response, "testimonial", None)
        reasons = follow_up_reasons(
            definition=definition,
            scores=scores[response.pk],
            has_comment=bool(response.comment or (story and story.original_text)),
        )
        if reasons:
            expected[response.pk] = (reasons, response.submitted_at, response.clinic_id)
    opened = {f.response_id: (f.reasons, f.created_at, f.clinic_id) for f in FollowUp.objects.all()}
    assert len(expected) > 15  # detractors with a comment, low empathy or trust
    assert opened == expected


def test_old_follow_ups_were_handled_with_a_note_and_an_audit_entry_and_recent_ones_are_open():
    seed_demo("--responses", "1500")

    end = dt.datetime.combine(timezone.now().date(), dt.time(0), tzinfo=dt.UTC)
    handled = FollowUp.objects.filter(status=FollowUp.Status.HANDLED)
    recent = FollowUp.objects.filter(created_at__gte=end - dt.timedelta(days=14))
    assert handled.count() > 50 and recent.exists()
    assert not recent.filter(status=FollowUp.Status.HANDLED).exists()
    assert not handled.filter(note="").exists()
    for follow_up in handled:
        assert follow_up.created_at < follow_up.handled_at <= end
    audited = AuditEvent.objects.filter(action=AuditEvent.Action.FOLLOW_UP_HANDLE)
    assert audited.count() == handled.count()
    manager = get_user_model().objects.get(username="manager")
    prairie = Clinic.objects.get(slug=MANAGER_CLINIC_SLUG)
    assert set(audited.filter(clinic=prairie).values_list("actor", flat=True)) == {manager.pk}


def test_five_thousand_responses_fill_every_page_a_manager_opens(client):
    """The story wall of each clinic, the moderation queue, follow-ups open and handled, kudos,
    and comment themes with enough comments per month (and most weeks) to be shown."""
    seed_demo()
    comments_analyse_backlog()
    min_n = settings.MIN_GROUP_SIZE
    today = Response.objects.latest("submitted_at").local_date

    for clinic in Clinic.objects.all():
        wall = client.get(reverse("feedback:stories_wall", args=[clinic.slug])).content.decode()
        stories = list(public_stories(clinic=clinic))
        assert len(stories) >= 5, clinic.slug
        assert escape(stories[0].text) in wall
        # Comments: every one of the last 12 whole months, and the dashboard's default period.
        months = (
            CommentAnalysis.objects.filter(clinic=clinic, local_date__lt=today.replace(day=1))
            .annotate(month=TruncMonth("local_date"))
            .values("month")
            .annotate(n=Count("pk"))
        )
        assert len(months) == 12 and min(m["n"] for m in months) >= min_n, clinic.slug
        section = theme_section(clinic=clinic, start=today - dt.timedelta(days=89), end=today)
        assert len([theme for theme in section.themes if not theme.suppressed]) >= 4
    prairie = Clinic.objects.get(slug=MANAGER_CLINIC_SLUG)
    section = theme_section(clinic=prairie, start=today - dt.timedelta(days=89), end=today)
    assert section.granularity == "week"  # enough comments that weeks, not months, are drawn
    weeks = section.periods
    whole_weeks = weeks[1:-1]  # the period starts and ends mid-week
    assert sum(not week.suppressed for week in whole_weeks) >= 2 / 3 * len(whole_weeks)

    client.force_login(get_user_model().objects.get(username="manager"))
    open_page = client.get(reverse("staff:follow_ups")).content.decode()
    handled_page = client.get(reverse("staff:follow_ups") + "?status=handled").content.decode()
    queue = client.get(reverse("staff:moderation_queue")).content.decode()
    open_ups = FollowUp.objects.filter(clinic=prairie, status=FollowUp.Status.OPEN)
    handled_ups = FollowUp.objects.filter(clinic=prairie, status=FollowUp.Status.HANDLED)
    assert 3 <= open_ups.count() <= 40 and handled_ups.count() > 100
    assert escape(handled_ups.first().note) in handled_page
    assert "Nothing here." not in open_page and "Low empathy score" in open_page
    pending = PatientTestimonial.objects.filter(response__clinic=prairie, status="pending")
    assert pending.exists() and escape(pending.first().text) in queue
    thanked = Provider.objects.filter(clinic=prairie, kudos__status="approved").distinct()
    assert thanked.exists()
    kudos = client.get(reverse("staff:provider_kudos", args=[thanked.first().pk]))
    assert kudos.status_code == 200
    assert escape(thanked.first().kudos.filter(status="approved").first().text) in (
        kudos.content.decode()
    )
