"""Beat started twice sends every periodic task twice: each task run twice in a row has the
effect of one run. What each one guarantees, and how:

- invitation-reminders: one reminder per invitation (reminder_sent_at, set under a row lock).
- invitation-contacts-erase: erasing (patients' and staff pulse contacts) is an UPDATE of contacts
  not yet erased; its catch-up send
  marks sent_at under the invitation's row lock, so a lost invitation is mailed once.
- rollups-drain, rollups-reconcile: recompute the rollups from the stored scores, never add.
- exports-expire: a file is deleted once (its name is emptied); a stuck job is failed once
  (only unfinished jobs are).
- exports-resend: a conditional UPDATE of sent_at; one message per stale job.
- kudos-digests: each thanks is marked mailed under the provider's row lock; mailed once.
- comments-analyse: analyses only what has no analysis yet.
- trend-alerts: a signal is a row unique per (clinic, dimension, kind, week), inserted with
  ON CONFLICT DO NOTHING; it is mailed under its row lock and marked sent: mailed once.
- monthly-reports: a delivery row unique per (user, month), locked while mailing, marked sent.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from analytics.models import ExportJob, ResponseRollup
from compassion_portal.celery import app
from feedback import testimonials
from feedback.invitations import invitation_create, invitation_send
from feedback.models import CommentAnalysis, Invitation, Visit
from feedback.services import response_submit
from tests.analytics.exports.test_exports_resend import queued_job

pytestmark = [pytest.mark.hardening, pytest.mark.django_db]


def beat_twice(entry: str) -> list:
    """Run the task of this CELERY_BEAT_SCHEDULE entry twice in a row, as two beats would."""
    app.loader.import_default_modules()  # every app's tasks, as a worker registers them
    task = app.tasks[settings.CELERY_BEAT_SCHEDULE[entry]["task"]]
    return [task.apply(throw=True).get() for _beat in range(2)]


def invitation(clinic, external_id: str, *, days_ago: float, sent: bool) -> Invitation:
    when = timezone.now() - dt.timedelta(days=days_ago)
    visit = Visit.objects.create(clinic=clinic, external_id=external_id, occurred_at=when)
    made = invitation_create(
        visit=visit, channel="email", contact=f"{external_id}@example.com", now=when
    )
    if sent:
        invitation_send(invitation_id=made.pk, now=when)
    return made


def submit(instrument, clinic, answers, **extra):
    return response_submit(
        instrument=instrument,
        clinic=clinic,
        answers=answers,
        language="en",
        now=timezone.now() - dt.timedelta(days=1),
        **extra,
    )


def test_every_periodic_task_has_a_run_twice_test():
    for entry in settings.CELERY_BEAT_SCHEDULE:
        assert f"test_{entry.replace('-', '_')}_run_twice_acts_once" in globals(), entry


def test_invitation_reminders_run_twice_acts_once(clinic_a, mailoutbox):
    invitation(clinic_a, "v1", days_ago=settings.INVITATION_REMINDER_AFTER_DAYS + 0.5, sent=True)
    mailoutbox.clear()
    assert beat_twice("invitation-reminders") == [1, 0]
    assert len(mailoutbox) == 1


def test_invitation_contacts_erase_run_twice_acts_once(clinic_a, instrument, mailoutbox):
    from feedback.pulse import pulse_round_open, staff_invitations_create

    today = timezone.localdate()
    pulse_round = pulse_round_open(
        clinic=clinic_a, opens_on=today, closes_on=today + dt.timedelta(days=7)
    )
    staff_invitations_create(pulse_round=pulse_round, emails=["ana@example.org"], send=False)
    pulse_round.opens_on = today - dt.timedelta(days=30)
    pulse_round.closes_on = today - dt.timedelta(days=3)  # closed: its addresses go
    pulse_round.save()
    answered = invitation(clinic_a, "answered", days_ago=1, sent=True)
    Invitation.objects.filter(pk=answered.pk).update(used_at=timezone.now())
    lost = invitation(clinic_a, "lost", days_ago=0.1, sent=False)  # its send task was lost
    mailoutbox.clear()
    assert beat_twice("invitation-contacts-erase") == [
        {"erased": 1, "staff_erased": 1, "sent": 1},
        {"erased": 0, "staff_erased": 0, "sent": 0},
    ]
    assert [message.to for message in mailoutbox] == [["lost@example.com"]]
    assert Invitation.objects.get(pk=lost.pk).sent_at is not None


def rollups_after_beat_twice(entry: str, instrument, clinic, answers) -> list[int]:
    for _response in range(3):
        submit(instrument, clinic, answers)  # buckets left dirty: no worker runs here
    beat_twice(entry)
    return list(ResponseRollup.objects.values_list("responses", flat=True))


def test_rollups_drain_run_twice_acts_once(instrument, clinic_a, full_answers):
    assert rollups_after_beat_twice("rollups-drain", instrument, clinic_a, full_answers) == [3]


def test_rollups_reconcile_run_twice_acts_once(instrument, clinic_a, full_answers):
    assert rollups_after_beat_twice("rollups-reconcile", instrument, clinic_a, full_answers) == [3]


def test_exports_expire_run_twice_acts_once(manager_a, clinic_a, settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path
    expired = queued_job(manager_a, [clinic_a], sent_seconds_ago=1)
    (tmp_path / "old.csv").write_text("x")
    ExportJob.objects.filter(pk=expired.pk).update(
        status="done", file_name="old.csv", expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    stuck = queued_job(
        manager_a, [clinic_a], bom=True, sent_seconds_ago=settings.CELERY_TASK_TIME_LIMIT + 120
    )

    assert beat_twice("exports-expire") == [1, 0]
    assert not (tmp_path / "old.csv").exists()
    stuck.refresh_from_db()
    first_failure = stuck.finished_at
    assert stuck.status == "failed" and first_failure is not None
    assert beat_twice("exports-expire") == [0, 0]
    stuck.refresh_from_db()
    assert stuck.finished_at == first_failure  # failed once, not again


def test_exports_resend_run_twice_acts_once(
    manager_a, clinic_a, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EXPORT_ROOT = tmp_path
    queued_job(manager_a, [clinic_a], sent_seconds_ago=settings.EXPORT_REQUEUE_AFTER_SECONDS + 1)
    with django_capture_on_commit_callbacks() as sends:
        assert beat_twice("exports-resend") == [1, 0]
    assert len(sends) == 1


def test_kudos_digests_run_twice_acts_once(
    instrument, clinic_a, provider_a, full_answers, manager_a, mailoutbox
):
    provider_a.email, provider_a.kudos_digest = "ana.ortiz@clinic.example", True
    provider_a.save()
    response = submit(
        instrument,
        clinic_a,
        full_answers,
        testimonial_consent="anonymous",
        testimonial_text="Thank you Dr. Ortiz, so kind.",
    )
    testimonials.testimonial_approve(testimonial=response.testimonial, actor=manager_a)
    assert beat_twice("kudos-digests") == [1, 0]
    assert [message.to for message in mailoutbox] == [["ana.ortiz@clinic.example"]]


def test_comments_analyse_run_twice_acts_once(instrument, clinic_a, full_answers):
    submit(instrument, clinic_a, full_answers, comment="The nurse was kind and patient.")
    assert beat_twice("comments-analyse") == [1, 0]
    assert CommentAnalysis.objects.count() == 1


def test_trend_alerts_run_twice_acts_once(
    instrument, clinic_a, full_answers, manager_a, mailoutbox
):
    from analytics.alerts.services import last_complete_week

    manager_a.email = "manager.a@clinic.example"
    manager_a.save()
    monday = last_complete_week(clinic=clinic_a, now=timezone.now())
    for number in range(12):  # 3 of 12 detractors (0.25) in the last complete week
        response_submit(
            instrument=instrument,
            clinic=clinic_a,
            answers={**full_answers, "recommend": 6 if number < 3 else 9},
            language="en",
            now=timezone.make_aware(
                dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(12)), clinic_a.tzinfo
            ),
        )
    beat_twice("rollups-drain")
    assert beat_twice("trend-alerts") == [1, 0]
    assert [message.to for message in mailoutbox] == [["manager.a@clinic.example"]]


def test_monthly_reports_run_twice_acts_once(instrument, clinic_a, manager_a, mailoutbox):
    from analytics.alerts.models import StaffMailPreference

    manager_a.email = "manager.a@clinic.example"
    manager_a.save()
    StaffMailPreference.objects.create(user=manager_a, monthly_report=True)
    assert beat_twice("monthly-reports") == [1, 0]
    assert [message.to for message in mailoutbox] == [["manager.a@clinic.example"]]
