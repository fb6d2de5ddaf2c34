"""One invitation link submitted at the same moment from several threads stores one response."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from feedback.forms import ITEM_PREFIX
from feedback.invitations import token_for_salt, token_hash, token_salt_new
from feedback.models import Channel, DimensionScore, Invitation, Response, Visit
from feedback.services import InvitationUnavailable, invitation_by_token, response_submit

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

THREADS = 6


def invitation_make(clinic) -> str:
    now = timezone.now()
    visit = Visit.objects.create(clinic=clinic, external_id="V-race", occurred_at=now)
    salt = token_salt_new()
    token = token_for_salt(salt)
    Invitation.objects.create(
        visit=visit,
        channel=Channel.SMS,
        token_salt=salt,
        token_hash=token_hash(token),
        contact="+15550100",
        expires_at=now + dt.timedelta(days=7),
    )
    return token


def run_at_once(work) -> list:
    """Run work(index) in THREADS threads released together; the outcomes, in thread order."""
    barrier = threading.Barrier(THREADS)
    outcomes: list = [None] * THREADS

    def thread_main(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts on
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=thread_main, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_concurrent_submissions_of_one_token_through_the_service_store_one_response(
    clinic_a, instrument, full_answers
):
    token = invitation_make(clinic_a)

    def submit(_index: int) -> Response:
        # Each thread looks the invitation up itself, as a separate web request would.
        return response_submit(
            instrument=instrument,
            clinic=clinic_a,
            answers=full_answers,
            language="en",
            invitation=invitation_by_token(token),
        )

    outcomes = run_at_once(submit)

    stored = [o for o in outcomes if isinstance(o, Response)]
    refused = [o for o in outcomes if isinstance(o, InvitationUnavailable)]
    assert (len(stored), len(refused)) == (1, THREADS - 1), outcomes
    assert Response.objects.count() == 1
    assert DimensionScore.objects.filter(response=stored[0]).count() == 6
    invitation = Invitation.objects.get()
    assert invitation.used_at is not None and invitation.contact == ""


def test_concurrent_posts_of_one_survey_link_give_one_redirect_and_410s(
    clinic_a, instrument, full_answers
):
    token = invitation_make(clinic_a)
    url = reverse("feedback:survey_invitation", args=[token])
    data = {ITEM_PREFIX + item_id: str(value) for item_id, value in full_answers.items()}

    outcomes = run_at_once(lambda _index: Client().post(url, data).status_code)

    assert sorted(outcomes) == [302] + [410] * (THREADS - 1), outcomes
    assert Response.objects.count() == 1
