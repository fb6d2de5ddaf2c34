"""Service recovery: low empathy or trust, or a detractor with a comment, opens a follow-up that
only the clinic's managers see and can mark handled (audited)."""

import pytest
from django.urls import reverse

from feedback import follow_ups as service
from feedback.models import AuditEvent, FollowUp
from feedback.services import response_submit


@pytest.fixture
def submit(instrument, clinic_a, full_answers):
    def submit_with(*, low: str = "", recommend: int = 9, comment: str = ""):
        answers = dict(full_answers)
        for item_id in answers:
            if low and item_id.startswith(low + "_"):
                answers[item_id] = 2  # "Fair" / "Disagree": 25 on the 0-100 scale
        answers["recommend"] = recommend
        return response_submit(
            instrument=instrument, clinic=clinic_a, answers=answers, language="en", comment=comment
        )

    return submit_with


def test_a_good_response_opens_no_follow_up(submit):
    submit(comment="All fine.")
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(("low", "reason"), [("empathy", "low_empathy"), ("trust", "low_trust")])
def test_low_empathy_or_trust_opens_a_follow_up(submit, low, reason):
    response = submit(low=low)
    assert response.follow_up.reasons == [reason]
    assert response.follow_up.status == "open"


def test_a_detractor_with_a_comment_opens_a_follow_up_but_without_one_does_not(submit):
    submit(recommend=3)
    assert not FollowUp.objects.exists()
    response = submit(recommend=6, comment="Nobody called me back.")
    assert response.follow_up.reasons == ["detractor_comment"]


def test_reasons_are_combined_on_one_follow_up(submit):
    response = submit(low="empathy", recommend=0, comment="Cold and rushed.")
    assert response.follow_up.reasons == ["detractor_comment", "low_empathy"]


def test_marking_handled_keeps_the_note_and_is_audited(submit, manager_a):
    follow_up = submit(low="trust").follow_up
    service.follow_up_handle(follow_up=follow_up, actor=manager_a, note="Called the patient.")
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.note, follow_up.handled_by) == (
        "handled",
        "Called the patient.",
        manager_a,
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.target) == (
        "follow_up_handle",
        manager_a,
        f"follow_up:{follow_up.pk}",
    )
    assert event.details["note"] == "Called the patient."


def test_manager_sees_and_handles_own_clinics_follow_ups_with_comments_redacted(
    client, submit, manager_a, provider_a
):
    follow_up = submit(recommend=2, comment="Dr. Ortiz ignored me, call 555-123-4567").follow_up
    client.force_login(manager_a)
    page = client.get(reverse("staff:follow_ups")).content.decode()
    assert "Dr. [name] ignored me, call [phone]" in page and "555-123-4567" not in page
    answer = client.post(
        reverse("staff:follow_up_handled", args=[follow_up.pk]), {"note": "Apologised by phone."}
    )
    assert answer.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == "handled"


def test_manager_of_another_clinic_can_neither_see_nor_handle(client, submit, manager_b):
    follow_up = submit(recommend=2, comment="Bad visit.").follow_up
    client.force_login(manager_b)
    assert "Bad visit." not in client.get(reverse("staff:follow_ups")).content.decode()
    answer = client.post(reverse("staff:follow_up_handled", args=[follow_up.pk]), {"note": "x"})
    assert answer.status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.status == "open"
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["access_refused"]


def test_handling_needs_a_note(client, submit, manager_a):
    follow_up = submit(low="empathy").follow_up
    client.force_login(manager_a)
    client.post(reverse("staff:follow_up_handled", args=[follow_up.pk]), {"note": "  "})
    follow_up.refresh_from_db()
    assert follow_up.status == "open"


def test_follow_up_list_queries_do_not_grow_with_the_number_of_follow_ups(
    client, submit, manager_a, provider_a, django_assert_max_num_queries
):
    client.force_login(manager_a)
    submit(recommend=2, comment="Dr. Ortiz was late.")
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("staff:follow_ups"))
    for _ in range(5):
        submit(recommend=1, comment="Long wait again.")
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("staff:follow_ups"))
