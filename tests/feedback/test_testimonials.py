"""Testimonials: redacted on submit, moderated per clinic with audit, public only when approved
and consented, escaped everywhere, withdrawable at once, and embeddable from another site."""

import re

import pytest
from django.urls import reverse

from feedback import testimonials as service
from feedback.models import AuditEvent
from feedback.models import Testimonial as StoredTestimonial
from feedback.services import response_submit
from feedback.testimonials import ModerationRefused, withdrawal_code_hash, withdrawal_code_new

Consent = StoredTestimonial.Consent

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def story(instrument, clinic_a, full_answers):
    """Submit a response with a testimonial; returns a function taking text and consent."""

    def submit(text="The care was great.", consent=Consent.ANONYMOUS, first_name="", code=""):
        response = response_submit(
            instrument=instrument,
            clinic=clinic_a,
            answers=full_answers,
            language="en",
            testimonial_text=text,
            testimonial_consent=consent,
            testimonial_first_name=first_name,
            testimonial_withdrawal_code=code,
        )
        return response.testimonial

    return submit


def test_submitted_testimonial_is_stored_redacted_with_the_original_for_admins(story, provider_a):
    testimonial = story("Dr. Ortiz was kind. Call me at 555-123-4567, jane@example.org")
    assert testimonial.text == "Dr. [name] was kind. Call me at [phone], [email]"
    assert testimonial.original_text.startswith("Dr. Ortiz was kind")
    assert testimonial.redactions == {"name": 1, "phone": 1, "email": 1}
    assert testimonial.status == StoredTestimonial.Status.PENDING
    assert testimonial.provider_thanked == provider_a


def test_a_provider_named_without_thanks_is_not_kudos(story, provider_a):
    assert story("Dr. Ortiz saw me on Monday.").provider_thanked is None


def test_approve_reject_and_edit_are_audited_with_actor_and_change(story, manager_a):
    testimonial = story("They listened to me.")
    service.testimonial_approve(testimonial=testimonial, actor=manager_a)
    service.testimonial_redaction_edit(
        testimonial=testimonial, actor=manager_a, text="They listened."
    )
    service.testimonial_reject(testimonial=testimonial, actor=manager_a, reason="off topic")
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "actor", "details"))
    assert [(a, actor) for a, actor, _d in events] == [
        ("testimonial_approve", manager_a.pk),
        ("testimonial_edit", manager_a.pk),
        ("testimonial_reject", manager_a.pk),
    ]
    assert events[1][2] == {"before": "They listened to me.", "after": "They listened."}
    assert events[2][2]["reason"] == "off topic"
    testimonial.refresh_from_db()
    assert (testimonial.status, testimonial.text) == ("rejected", "They listened.")


def test_approving_twice_is_refused_and_not_audited_twice(story, manager_a):
    testimonial = story()
    service.testimonial_approve(testimonial=testimonial, actor=manager_a)
    with pytest.raises(ModerationRefused):
        service.testimonial_approve(testimonial=testimonial, actor=manager_a)
    assert AuditEvent.objects.filter(action="testimonial_approve").count() == 1


def test_only_an_admin_can_purge_the_original_and_it_is_audited(story, manager_a, admin_user):
    from django.core.exceptions import PermissionDenied

    testimonial = story("My phone is 555-123-4567")
    with pytest.raises(PermissionDenied):
        service.testimonial_original_purge(testimonial=testimonial, actor=manager_a)
    service.testimonial_original_purge(testimonial=testimonial, actor=admin_user)
    testimonial.refresh_from_db()
    assert testimonial.original_text == "" and testimonial.original_purged_at is not None
    assert testimonial.text == "My phone is [phone]"
    event = AuditEvent.objects.get(action="testimonial_purge")
    assert event.actor == admin_user and event.details == {"characters_erased": 24}


def test_manager_cannot_moderate_another_clinics_testimonial(client, story, manager_b):
    testimonial = story()
    client.force_login(manager_b)
    url = reverse("staff:testimonial_moderate", args=[testimonial.pk])
    assert client.post(url, {"action": "approve"}).status_code == 404
    assert client.post(url, {"action": "edit", "text": "hacked"}).status_code == 404
    testimonial.refresh_from_db()
    assert testimonial.status == "pending" and testimonial.text == "The care was great."
    # Nothing moderated; only the two refusals are in the audit log.
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["access_refused"] * 2
    queue = client.get(reverse("staff:moderation_queue")).content.decode()
    assert "The care was great" not in queue


def test_manager_approves_their_own_clinics_testimonial_through_the_queue(client, story, manager_a):
    testimonial = story()
    client.force_login(manager_a)
    queue = client.get(reverse("staff:moderation_queue"))
    assert "The care was great." in queue.content.decode()
    answer = client.post(
        reverse("staff:testimonial_moderate", args=[testimonial.pk]),
        {"action": "approve", "status": "pending"},
    )
    assert answer.status_code == 302
    testimonial.refresh_from_db()
    assert testimonial.status == "approved"
    assert AuditEvent.objects.get().actor == manager_a


def test_staff_pages_need_a_sign_in(client, story):
    testimonial = story()
    assert client.get(reverse("staff:moderation_queue")).status_code == 302
    answer = client.post(
        reverse("staff:testimonial_moderate", args=[testimonial.pk]), {"action": "approve"}
    )
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    testimonial.refresh_from_db()
    assert testimonial.status == "pending"


def test_only_approved_and_consented_testimonials_are_public(client, story, manager_a, clinic_a):
    shown = story("Shown: approved and anonymous.")
    named = story("Shown with a first name.", Consent.FIRST_NAME, "Rosa")
    private = story("Hidden: approved but private.", Consent.PRIVATE)
    story("Hidden: pending.")
    rejected = story("Hidden: rejected.")
    for testimonial in (shown, named, private):
        service.testimonial_approve(testimonial=testimonial, actor=manager_a)
    service.testimonial_reject(testimonial=rejected, actor=manager_a)
    for name in ("stories_wall", "stories_embed"):
        page = client.get(reverse(f"feedback:{name}", args=[clinic_a.slug])).content.decode()
        assert "Shown: approved and anonymous." in page and "Shown with a first name." in page
        assert "Rosa" in page
        assert "Hidden:" not in page


def test_stories_of_another_clinic_are_not_on_this_wall(client, story, manager_a, clinic_b):
    service.testimonial_approve(testimonial=story("Riverside story"), actor=manager_a)
    page = client.get(reverse("feedback:stories_wall", args=[clinic_b.slug]))
    assert "Riverside story" not in page.content.decode()


def test_xss_payload_renders_as_text_on_wall_embed_and_queue(client, story, manager_a, clinic_a):
    testimonial = story(XSS)
    client.force_login(manager_a)
    queue = client.get(reverse("staff:moderation_queue")).content.decode()
    service.testimonial_approve(testimonial=testimonial, actor=manager_a)
    wall = client.get(reverse("feedback:stories_wall", args=[clinic_a.slug])).content.decode()
    embed = client.get(reverse("feedback:stories_embed", args=[clinic_a.slug])).content.decode()
    for page in (queue, wall, embed):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_wall_is_paged(client, story, manager_a, clinic_a):
    for number in range(12):
        testimonial = story(f"Story number {number:02d}.")
        service.testimonial_approve(testimonial=testimonial, actor=manager_a)
    url = reverse("feedback:stories_wall", args=[clinic_a.slug])
    first, second = client.get(url).content.decode(), client.get(url + "?page=2").content.decode()
    assert len(re.findall(r"Story number \d\d", first)) == 10
    assert len(re.findall(r"Story number \d\d", second)) == 2


def test_embed_may_be_framed_by_any_site_but_the_wall_may_not(client, clinic_a):
    embed = client.get(reverse("feedback:stories_embed", args=[clinic_a.slug]))
    wall = client.get(reverse("feedback:stories_wall", args=[clinic_a.slug]))
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed["Content-Security-Policy"]
    assert "script-src 'self'" in embed["Content-Security-Policy"]
    assert wall["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in wall["Content-Security-Policy"]


def test_withdrawal_code_hides_the_story_at_once_and_is_audited(client, story, manager_a, clinic_a):
    code = withdrawal_code_new()
    testimonial = story("Please show this.", code=code)
    service.testimonial_approve(testimonial=testimonial, actor=manager_a)
    wall_url = reverse("feedback:stories_wall", args=[clinic_a.slug])
    assert "Please show this." in client.get(wall_url).content.decode()

    answer = client.post(reverse("feedback:withdraw"), {"code": code.lower().replace("-", " ")})
    assert answer.status_code == 200
    assert "Please show this." not in client.get(wall_url).content.decode()
    testimonial.refresh_from_db()
    assert (testimonial.status, testimonial.consent) == ("withdrawn", "private")
    event = AuditEvent.objects.get(action="testimonial_withdraw")
    assert event.actor is None and event.target == f"testimonial:{testimonial.pk}"


def test_wrong_withdrawal_code_changes_nothing(client, story):
    testimonial = story(code=withdrawal_code_new())
    answer = client.post(reverse("feedback:withdraw"), {"code": "ZZZZ-ZZZZ"})
    assert answer.status_code == 400
    assert "We found no story with this code" in answer.content.decode()
    testimonial.refresh_from_db()
    assert testimonial.status == "pending"
    assert service.testimonial_withdraw(code="") is None


def test_only_a_hash_of_the_withdrawal_code_is_stored(story):
    code = withdrawal_code_new()
    testimonial = story(code=code)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code)
    assert testimonial.withdrawal_code_hash == withdrawal_code_hash(code)
    assert code.replace("-", "") not in testimonial.withdrawal_code_hash.upper()


def test_thank_you_page_shows_the_withdrawal_code_once(client, clinic_a, instrument, full_answers):
    data = {f"q_{item}": str(value) for item, value in full_answers.items()}
    data.update(story="Lovely staff.", story_consent="anonymous")
    answer = client.post(reverse("feedback:survey_kiosk", args=[clinic_a.slug]), data)
    assert answer.status_code == 302
    thanks = client.get(answer["Location"]).content.decode()
    code = re.search(r'data-testid="withdrawal-code">([A-Z0-9-]+)<', thanks).group(1)
    assert StoredTestimonial.objects.get().withdrawal_code_hash == withdrawal_code_hash(code)
    assert code not in client.get(answer["Location"]).content.decode()


def test_provider_kudos_page_collects_approved_thanks_for_own_clinic_only(
    client, story, manager_a, manager_b, provider_a
):
    thanked = story("Thank you Dr. Ortiz for everything.")
    story("Thanks a lot, Dr. Ortiz!")  # still pending: not shown
    service.testimonial_approve(testimonial=thanked, actor=manager_a)
    url = reverse("staff:provider_kudos", args=[provider_a.pk])
    client.force_login(manager_a)
    page = client.get(url).content.decode()
    assert "Thank you Dr. [name] for everything." in page
    assert "Thanks a lot" not in page
    client.force_login(manager_b)
    assert client.get(url).status_code == 404


def test_patient_pages_for_stories_speak_spanish(client, clinic_a):
    wall = client.get(reverse("feedback:stories_wall", args=[clinic_a.slug]) + "?lang=es")
    assert "Lo que dicen los pacientes de Riverside Family Clinic" in wall.content.decode()
    withdraw = client.get(reverse("feedback:withdraw") + "?lang=es").content.decode()
    assert "Retirar su historia" in withdraw and "Su código para retirar" in withdraw


def test_queue_shows_managers_the_iframe_code_for_their_own_clinics_only(
    client, manager_a, clinic_a, clinic_b
):
    client.force_login(manager_a)
    page = client.get(reverse("staff:moderation_queue")).content.decode()
    assert f"/c/{clinic_a.slug}/stories/embed/" in page and "&lt;iframe" in page
    assert f"/c/{clinic_b.slug}/" not in page
