"""In a real browser: a patient shares a story, a manager approves it, it appears on the wall,
and the embeddable snippet shows it inside another site's iframe."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from feedback.models import ClinicMembership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STORY = "The nurse held my hand <b>the whole time</b>. Call me: 555-123-4567"


@pytest.fixture
def manager(clinic_a):
    user = User.objects.create_user("manager-a", password="pw-a-123456-x")
    ClinicMembership.objects.create(user=user, clinic=clinic_a)
    return user


def test_patient_story_is_approved_by_a_manager_and_appears_on_the_wall(
    page, live_server, clinic_a, instrument, manager
):
    page.goto(live_server.url + reverse("feedback:survey_kiosk", args=[clinic_a.slug]))
    for item in instrument.definition["items"]:
        index = 9 if item["scale"] == "likely11" else 3  # 0-based: "9" and "Very good"/"Agree"
        page.locator(f"#id_q_{item['id']}_{index}").check()
    page.fill("#id_story", STORY)
    page.locator("input[name=story_consent][value=first_name]").check()
    page.fill("#id_story_first_name", "Rosa")
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/thanks/"))
    code = page.get_by_test_id("withdrawal-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)

    wall = live_server.url + reverse("feedback:stories_wall", args=[clinic_a.slug])
    page.goto(wall)
    assert "held my hand" not in page.content()  # not before moderation

    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "manager-a")
    page.fill("#id_password", "pw-a-123456-x")
    page.locator("button[type=submit]").click()
    page.goto(live_server.url + reverse("staff:moderation_queue"))
    card = page.get_by_test_id("testimonial")
    assert "[phone]" in card.inner_text() and "555-123-4567" not in card.inner_text()
    card.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()

    page.goto(wall)
    story = page.locator(".story").first
    assert "The nurse held my hand <b>the whole time</b>. Call me: [phone]" in story.inner_text()
    assert "Rosa" in story.inner_text()
    assert page.locator(".story b").count() == 0  # the patient's HTML is shown as text

    # Another site frames the embed (served from a different origin: a data: URL).
    embed = live_server.url + reverse("feedback:stories_embed", args=[clinic_a.slug])
    page.set_content(f'<iframe id="f" src="{embed}" width="400" height="300"></iframe>')
    frame = page.frame_locator("#f")
    assert "held my hand" in frame.locator(".story").first.inner_text()
