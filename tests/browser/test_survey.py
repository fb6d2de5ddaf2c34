"""The survey in a real browser: keyboard only, error focus, axe-core audits, 320 px targets."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from feedback.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the keyboard test answers: the option index to move to in each question (0 = first).
LIKERT_CHOICE = 3  # "Very good" / "Agree"
RECOMMEND_CHOICE = 9
NOT_APPLICABLE_ITEM = "respect_culture"


@pytest.fixture
def survey_url(live_server, clinic_a, instrument) -> str:
    return live_server.url + reverse("feedback:survey_kiosk", args=[clinic_a.slug])


def focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {id: e.id, name: e.name || '', tag: e.tagName.toLowerCase(),"
        " type: e.type || '', checked: !!e.checked}; }"
    )


def tab_until(page, predicate, *, limit: int = 12) -> dict:
    """Press Tab until the focused element matches; fail if it takes more than `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if predicate(element):
            return element
    raise AssertionError(f"Tab never reached the expected element; stopped at {element}")


def axe_violations(page) -> str:
    results = Axe().run(page)
    return "" if results.violations_count == 0 else results.generate_report()


def test_patient_answers_the_whole_survey_with_the_keyboard_only(page, survey_url, instrument):
    items = instrument.definition["items"]
    page.goto(survey_url)

    for item in items:
        name = "q_" + item["id"]
        element = tab_until(page, lambda e, name=name: e["name"] == name)
        assert element["type"] == "radio" and not element["checked"]
        page.keyboard.press("Space")  # check the first answer
        if item["id"] == NOT_APPLICABLE_ITEM:
            page.keyboard.press("ArrowUp")  # wraps round to "Does not apply", the last answer
        else:
            steps = RECOMMEND_CHOICE if item["scale"] == "likely11" else LIKERT_CHOICE
            for _ in range(steps):
                page.keyboard.press("ArrowDown")
        assert focused(page)["checked"]

    tab_until(page, lambda e: e["id"] == "id_comment")
    page.keyboard.type("The nurse explained everything.")
    tab_until(page, lambda e: e["tag"] == "input" and e["type"] == "submit")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/thanks/"))

    assert page.locator("h1").inner_text() == "Thank you"
    stored = Response.objects.get()
    expected = {
        item["id"]: (RECOMMEND_CHOICE if item["scale"] == "likely11" else LIKERT_CHOICE + 1)
        for item in items
        if item["id"] != NOT_APPLICABLE_ITEM
    }
    assert stored.answers == expected
    assert stored.comment == "The nurse explained everything."


def test_invalid_submit_focuses_the_error_summary_and_keeps_the_answers(page, survey_url):
    page.goto(survey_url)
    page.locator("label[for=id_q_empathy_feelings_4]").click()
    page.locator("label[for=id_q_recommend_10]").click()
    page.locator("#submit-id-send").click()
    page.wait_for_load_state()

    assert page.title().startswith("Error:")
    assert focused(page)["id"] == "error-summary"
    assert page.locator("#error-summary").inner_text().startswith("There is a problem")
    assert page.locator("#id_q_empathy_feelings_4").is_checked()
    assert page.locator("#id_q_recommend_10").is_checked()
    assert Response.objects.count() == 0

    # A summary link takes the patient to the question, ready to answer it.
    page.locator("#error-summary a[href='#field-q_empathy_person']").click()
    assert focused(page)["name"] == "q_empathy_person"


def test_survey_error_and_thank_you_pages_have_no_axe_violations(page, survey_url, instrument):
    page.goto(survey_url)
    assert axe_violations(page) == ""

    page.locator("#submit-id-send").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error:")
    assert axe_violations(page) == ""

    for item in instrument.definition["items"]:
        page.locator(f"label[for=id_q_{item['id']}_1]").click()
    page.locator("#submit-id-send").click()
    page.wait_for_url(re.compile(r"/thanks/"))
    assert axe_violations(page) == ""


def test_every_answer_is_a_44_px_target_on_a_320_px_screen(page, survey_url):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(survey_url)

    boxes = page.locator("label.survey-option-label").evaluate_all(
        "labels => labels.map(l => { const r = l.getBoundingClientRect();"
        " return {id: l.htmlFor, width: r.width, height: r.height, top: r.top}; })"
    )
    assert len(boxes) > 60
    small = [box for box in boxes if box["width"] < 44 or box["height"] < 44]
    assert small == []
    # Nothing runs off the side of the screen, and the 0-10 question wraps onto several rows.
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    recommend_rows = {round(box["top"]) for box in boxes if box["id"].startswith("id_q_recommend")}
    assert len(recommend_rows) > 1


def test_focused_answer_shows_a_visible_focus_ring(page, survey_url):
    page.goto(survey_url)
    page.locator("#id_q_empathy_feelings_0").focus()
    page.keyboard.press("ArrowDown")
    outline = page.locator("label[for=id_q_empathy_feelings_1]").evaluate(
        "l => { const s = getComputedStyle(l); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline == ["solid", "3px"]
