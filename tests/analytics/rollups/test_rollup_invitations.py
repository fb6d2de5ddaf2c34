"""Invitations in the rollups: sent and answered counted on the local day they were sent."""

import datetime as dt

import pytest
from django.db.models import Sum

from analytics.models import ResponseClinicDayRollup, ResponseDayRollup, ResponseRollup
from analytics.rollups.services import dirty_buckets_drain, rollups_rebuild
from feedback.invitations import invitation_create, invitation_send
from feedback.models import DirtyBucket, Invitation, Visit
from feedback.services import response_submit

# 03:00 UTC on 2 March is 22:00 on 1 March in New York (clinic_a's time zone).
SENT = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
SENT_DAY = dt.date(2026, 3, 1)
ANSWERED = SENT + dt.timedelta(days=3)


def _sent_invitation(clinic, external_id: str, *, provider=None, at=SENT) -> Invitation:
    visit = Visit.objects.create(
        clinic=clinic,
        provider=provider,
        external_id=external_id,
        visit_type="telehealth",
        occurred_at=at - dt.timedelta(hours=2),
        preferred_language="es",
    )
    invitation = invitation_create(
        visit=visit, channel="email", language="es", contact=f"{external_id}@example.org", now=at
    )
    assert invitation_send(invitation_id=invitation.pk, now=at)
    invitation.refresh_from_db()
    return invitation


def _counts(model=ResponseRollup, **filters) -> dict[str, int]:
    return model.objects.filter(**filters).aggregate(
        responses=Sum("responses"),
        sent=Sum("invitations_sent"),
        answered=Sum("invitations_answered"),
    )


def test_a_sent_invitation_is_counted_on_its_clinics_local_day_by_the_next_drain(
    clinic_a, provider_a
):
    invitation = _sent_invitation(clinic_a, "V1", provider=provider_a)
    assert invitation.sent_local_date == SENT_DAY
    assert DirtyBucket.objects.filter(clinic=clinic_a, local_date=SENT_DAY).exists()

    dirty_buckets_drain()

    row = ResponseRollup.objects.get()
    assert (row.local_date, row.provider_id, row.visit_type, row.channel, row.language) == (
        SENT_DAY,
        provider_a.pk,
        "telehealth",
        "email",
        "es",
    )
    assert (row.responses, row.invitations_sent, row.invitations_answered) == (0, 1, 0)


def test_an_answer_days_later_counts_as_answered_on_the_day_it_was_sent(
    instrument, clinic_a, full_answers
):
    answered = _sent_invitation(clinic_a, "V1")
    _sent_invitation(clinic_a, "V2")
    dirty_buckets_drain()

    response_submit(
        instrument=instrument,
        clinic=clinic_a,
        answers=full_answers,
        language="es",
        invitation=answered,
        now=ANSWERED,
    )
    dirty_buckets_drain()

    on_sent_day = {"responses": 0, "sent": 2, "answered": 1}
    assert _counts(local_date=SENT_DAY) == on_sent_day
    assert _counts(ResponseDayRollup, local_date=SENT_DAY) == on_sent_day
    answered_day = ANSWERED.astimezone(clinic_a.tzinfo).date()
    assert _counts(local_date=answered_day) == {"responses": 1, "sent": 0, "answered": 0}


def _drained_then_rebuilt(instrument, clinic_a, clinic_b, full_answers, **rebuild):
    for number in range(3):
        invitation = _sent_invitation(clinic_a, f"A{number}", at=SENT + dt.timedelta(days=number))
        if number:
            response_submit(
                instrument=instrument,
                clinic=clinic_a,
                answers=full_answers,
                language="en",
                invitation=invitation,
                now=ANSWERED,
            )
    _sent_invitation(clinic_b, "B1")
    dirty_buckets_drain()
    drained = sorted(
        ResponseRollup.objects.values_list(
            "clinic_id", "local_date", "responses", "invitations_sent", "invitations_answered"
        )
    )

    rollups_rebuild(**rebuild)

    assert (
        sorted(
            ResponseRollup.objects.values_list(
                "clinic_id", "local_date", "responses", "invitations_sent", "invitations_answered"
            )
        )
        == drained
    )
    assert _counts() == {"responses": 2, "sent": 4, "answered": 2}
    assert _counts(ResponseClinicDayRollup) == _counts()


def test_a_rebuild_counts_what_the_drains_counted(instrument, clinic_a, clinic_b, full_answers):
    _drained_then_rebuilt(instrument, clinic_a, clinic_b, full_answers)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_bulk_rebuild_counts_what_the_drains_counted(
    instrument, clinic_a, clinic_b, full_answers
):
    _drained_then_rebuilt(instrument, clinic_a, clinic_b, full_answers, bulk=True)
