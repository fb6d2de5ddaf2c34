"""The survey's layout in Chromium: the 0-10 row, the progress cue without JavaScript, and text
boxes drawn like the answer boxes, at a phone's and a desktop's width."""

import pytest
from django.core.cache import cache
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOXES = """() => [...document.querySelectorAll('#field-q_recommend .survey-option-label')]
  .map(label => label.getBoundingClientRect())
  .map(r => ({x: Math.round(r.left), y: Math.round(r.top), w: Math.round(r.width)}))"""
BORDER = """selector => { const s = getComputedStyle(document.querySelector(selector));
  return [s.borderTopWidth, s.borderTopColor, s.borderTopLeftRadius]; }"""


@pytest.mark.parametrize(("width", "rows"), [(390, 2), (1280, 1)])
def test_the_0_10_boxes_are_even_in_one_row_or_two_with_the_end_words_under_them(
    browser, live_server, clinic_a, instrument, width, rows
):
    cache.clear()
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + reverse("feedback:survey_kiosk", args=[clinic_a.slug]))

    boxes = page.evaluate(BOXES)
    assert len(boxes) == 11
    assert len({box["y"] for box in boxes}) == rows
    assert len({box["w"] for box in boxes}) == 1  # every box the same width
    assert boxes[0]["w"] >= 44  # a finger's target
    # 0 at the start of the first row and 10 at the end of the last, over the end words.
    ends = page.locator("#field-q_recommend .survey-scale-ends span")
    first, last = ends.first.bounding_box(), ends.last.bounding_box()
    assert abs(first["x"] - boxes[0]["x"]) <= 1
    assert abs((last["x"] + last["width"]) - (boxes[10]["x"] + boxes[10]["w"])) <= 1
    assert boxes[10]["y"] == max(box["y"] for box in boxes)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


def test_text_boxes_are_drawn_like_the_answer_boxes(page, live_server, clinic_a, instrument):
    cache.clear()
    page.goto(live_server.url + reverse("feedback:survey_kiosk", args=[clinic_a.slug]))

    answer = page.evaluate(BORDER, ".survey-option-label")
    assert answer[0] == "2px"
    assert page.evaluate(BORDER, "#id_comment") == answer
    assert page.evaluate(BORDER, "#id_story") == answer


def test_the_progress_cue_shows_without_javascript(browser, live_server, clinic_a, instrument):
    cache.clear()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + reverse("feedback:survey_kiosk", args=[clinic_a.slug]))

    step = page.locator(".survey-step").nth(6)
    assert step.is_visible() and step.inner_text().strip() == "Question 7 of 13"
    bar = step.locator("progress").bounding_box()
    assert bar["width"] > 40 and bar["height"] >= 4
    context.close()
