"""The kiosk survey in Arabic, in Chromium: right to left, Arabic text, axe, sent and stored."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from feedback.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def serious_axe_violations(page) -> list[str]:
    """axe-core's serious and critical findings, as "rule: help" lines (empty when none)."""
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_patient_answers_and_sends_the_arabic_survey_on_a_phone(
    page, live_server, clinic_a, instrument, tmp_path
):
    page.set_viewport_size(PHONE)
    stylesheets: list[str] = []
    page.on(
        "request",
        lambda request: (
            stylesheets.append(request.url) if request.resource_type == "stylesheet" else None
        ),
    )
    page.goto(live_server.url + reverse("feedback:survey_kiosk", args=[clinic_a.slug]) + "?lang=ar")

    html = page.locator("html")
    assert (html.get_attribute("dir"), html.get_attribute("lang")) == ("rtl", "ar")
    assert any(url.endswith("/bootstrap.rtl.min.css") for url in stylesheets)
    assert not any(url.endswith("/bootstrap.min.css") for url in stylesheets)
    assert page.locator("legend", has_text="ما مدى لطفهم معك؟").count() == 1
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The radio sits at the right-hand (starting) edge of its answer box.
    radio = page.locator("#id_q_empathy_kindness_5").bounding_box()
    box = page.locator("label[for=id_q_empathy_kindness_5]").bounding_box()
    assert radio["x"] > box["x"] + box["width"] / 2
    assert serious_axe_violations(page) == []
    page.screenshot(path=tmp_path / "arabic-survey-phone.png", full_page=True)
    assert (tmp_path / "arabic-survey-phone.png").stat().st_size > 10_000

    chosen = {}
    for item in instrument.definition["items"]:
        page.locator(f"label[for=id_q_{item['id']}_4]").click()  # the fifth answer
        chosen[item["id"]] = int(page.locator(f"#id_q_{item['id']}_4").get_attribute("value"))
    page.locator("#id_comment").fill("كان الطاقم لطيفًا جدًا.")
    page.locator("#submit-id-send").click()
    page.wait_for_url(re.compile(r"/thanks/\?lang=ar"))

    assert page.locator("h1").inner_text() == "شكرًا لك"
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert serious_axe_violations(page) == []
    stored = Response.objects.get()
    assert stored.language == "ar"
    assert stored.comment == "كان الطاقم لطيفًا جدًا."
    assert stored.answers == chosen
