"""The staff pulse in Chromium: answered by keyboard only (axe-core finds nothing serious), and
a manager sees a round's numbers on the wellbeing page from its fifth answer, not at four."""

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from feedback import pulse
from feedback.models import ClinicMembership, Response
from feedback.pulse import (
    pulse_response_submit,
    pulse_round_open,
    pulse_token_for_salt,
    staff_invitations_create,
)
from feedback.services import instrument_current, instrument_definition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
CHOICE = 3  # the fourth answer: "Agree"


@pytest.fixture
def open_round(clinic_a, instrument):
    today = timezone.localdate()
    return pulse_round_open(
        clinic=clinic_a,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=14),
        support_text="Peer supporters are in room 4 every weekday.",
        support_links=[{"label": "Peer support line", "url": "https://example.org/peers"}],
    )


def focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {id: e.id, name: e.name || '', tag: e.tagName.toLowerCase(),"
        " type: e.type || '', checked: !!e.checked}; }"
    )


def tab_until(page, predicate, *, limit: int = 15) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if predicate(element):
            return element
    raise AssertionError(f"Tab never reached the expected element; stopped at {element}")


def serious_violations(page, context: str | None = None) -> list[str]:
    """axe-core's serious and critical findings on the whole page, staff menu included."""
    results = Axe().run(page, context=context) if context else Axe().run(page)
    return [
        f"{v['id']}: {v['help']} {[node['html'][:120] for node in v['nodes']]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_a_staff_member_answers_the_pulse_with_the_keyboard_only(page, live_server, open_round):
    [invitation] = staff_invitations_create(pulse_round=open_round, emails=["ana@example.org"])
    token = pulse_token_for_salt(invitation.token_salt)
    page.goto(live_server.url + reverse("feedback:pulse_invitation", args=[token]))
    assert serious_violations(page) == []

    items = instrument_definition(open_round.instrument).items
    for item in items:
        name = "q_" + item.id
        element = tab_until(page, lambda e, name=name: e["name"] == name)
        assert element["type"] == "radio" and not element["checked"]
        page.keyboard.press("Space")
        for _ in range(CHOICE):
            page.keyboard.press("ArrowDown")
        assert focused(page)["checked"]
    tab_until(page, lambda e: e["tag"] in ("input", "button") and e["type"] == "submit")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/p/done/"))

    text = page.locator("main").inner_text()
    assert "Peer supporters are in room 4 every weekday." in text
    assert serious_violations(page) == []
    stored = Response.objects.get(pulse_round=open_round)
    assert stored.answers == {item.id: CHOICE + 1 for item in items}
    invitation.refresh_from_db()
    assert invitation.used and invitation.contact == ""


def test_a_manager_sees_the_round_from_its_fifth_answer_and_not_at_four(
    page, live_server, clinic_a, open_round
):
    user = User.objects.create_user("manager-a", password=PASSWORD)
    ClinicMembership.objects.create(user=user, clinic=clinic_a)
    answers = {item.id: 4 for item in instrument_definition(open_round.instrument).items}
    for _ in range(4):
        pulse_response_submit(pulse_round=open_round, answers=answers, language="en")

    url = reverse("analytics:wellbeing_clinic", args=[clinic_a.pk])
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + url)
    page.fill("#id_username", "manager-a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(url) + "$"))
    band = page.get_by_test_id("round-band")
    assert band.inner_text() == "Not shown: fewer than 5 responses."
    assert page.locator(".chart-figure").count() == 0
    assert "Energy" not in page.locator("main").inner_text()
    assert serious_violations(page) == []

    pulse_response_submit(pulse_round=open_round, answers=answers, language="en")
    page.reload()
    assert page.get_by_test_id("round-band").count() == 0
    assert page.get_by_test_id("round-respondents").inner_text() == "5 staff responses"
    page.wait_for_selector(".chart-figure[data-rendered=true] svg.main-svg")
    main = page.locator("main").inner_text()
    # Every answer "Agree" (4): straight items 75; reverse items 4 -> 2 -> 25; burnout (75+25)/2.
    assert "Energy (higher = less burnout)\t50.0" in main
    assert serious_violations(page) == []
    assert instrument_current(pulse.STAFF_INSTRUMENT_SLUG) == open_round.instrument
