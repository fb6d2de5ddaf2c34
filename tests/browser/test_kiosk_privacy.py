"""A shared kiosk tablet in a real browser: the next patient never sees the last one's words."""

import contextlib
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from feedback.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMENT = "The receptionist was rude to my mother."
STORY = "The nurse stayed with me the whole night."
FIRST_NAME = "Rosa"


@pytest.fixture
def kiosk_browser(browser_type, browser_type_launch_args):
    """A Chromium that keeps its back/forward cache, as a real kiosk tablet does.

    Playwright launches Chromium with --disable-back-forward-cache; without that switch a page
    left by a form submission can come back from the cache with everything still filled in.
    """
    browser = browser_type.launch(
        **browser_type_launch_args, ignore_default_args=["--disable-back-forward-cache"]
    )
    yield browser
    browser.close()


@pytest.fixture
def kiosk_page(kiosk_browser):
    return kiosk_browser.new_page()


@pytest.fixture
def kiosk_url(live_server, clinic_a, instrument) -> str:
    cache.clear()  # the kiosk rate limit counts in Redis across tests
    return live_server.url + reverse("feedback:survey_kiosk", args=[clinic_a.slug])


def answer_everything(page, instrument, *, story: bool = True) -> None:
    for item in instrument.definition["items"]:
        index = 9 if item["scale"] == "likely11" else 3
        page.locator(f"#id_q_{item['id']}_{index}").check()
    page.fill("#id_comment", COMMENT)
    if story:
        page.fill("#id_story", STORY)
        page.locator("input[name=story_consent][value=first_name]").check()
        page.fill("#id_story_first_name", FIRST_NAME)


def send_and_wait_for_thanks(page) -> None:
    page.locator("#submit-id-send").click()
    page.wait_for_url(re.compile(r"/thanks/"))


def go_back(page) -> None:
    # "commit", not "load": a page restored from the back/forward cache fires no load event.
    page.go_back(wait_until="commit")
    page.wait_for_selector("h1")


def what_the_form_still_holds(page) -> dict:
    """Every checked radio and every non-empty text field on the survey page."""
    return page.evaluate(
        "() => ({"
        " checked: [...document.querySelectorAll('input[type=radio]:checked')].map(e => e.id),"
        " text: [...document.querySelectorAll('textarea, input[type=text]')]"
        "   .filter(e => e.value !== '').map(e => [e.id, e.value]) })"
    )


@pytest.mark.hardening
@pytest.mark.parametrize("story", [True, False], ids=["with-story", "without-story"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_back_after_sending_shows_an_empty_survey(
    kiosk_browser, kiosk_url, instrument, story, javascript
):
    page = kiosk_browser.new_page(java_script_enabled=javascript)
    page.goto(kiosk_url)
    answer_everything(page, instrument, story=story)
    send_and_wait_for_thanks(page)
    assert Response.objects.count() == 1

    go_back(page)

    assert page.url == kiosk_url
    assert page.locator("#submit-id-send").is_visible()
    assert what_the_form_still_holds(page) == {"checked": [], "text": []}
    assert COMMENT not in page.content() and STORY not in page.content()


@pytest.mark.hardening
def test_back_and_forward_after_a_rejected_send_do_not_show_the_answers_again(
    kiosk_page, kiosk_url, instrument
):
    # A patient gives up on a half-filled survey (the server said 400) and walks away; the next
    # patient presses Back, then Forward: neither page may still hold the first one's words.
    page = kiosk_page
    page.goto(kiosk_url)
    page.fill("#id_comment", COMMENT)
    page.locator("#submit-id-send").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error:")

    go_back(page)
    assert what_the_form_still_holds(page) == {"checked": [], "text": []}
    with contextlib.suppress(PlaywrightError):  # Chromium will not show a no-store POST again
        page.go_forward()
    page.wait_for_load_state()
    assert not page.title().startswith("Error:")
    assert COMMENT not in page.content()


@pytest.mark.hardening
def test_withdrawal_code_is_not_shown_again_on_reload_or_back(kiosk_page, kiosk_url, instrument):
    page = kiosk_page
    page.goto(kiosk_url)
    answer_everything(page, instrument)
    send_and_wait_for_thanks(page)
    code = page.get_by_test_id("withdrawal-code").inner_text()

    page.reload()
    assert page.get_by_test_id("withdrawal-code").count() == 0
    assert code not in page.content()

    page.get_by_test_id("new-survey").click()
    page.wait_for_url(kiosk_url)
    go_back(page)
    assert re.search(r"/thanks/", page.url)
    assert code not in page.content()


@pytest.mark.hardening
def test_kiosk_thank_you_page_returns_to_an_empty_survey_by_itself_without_javascript(
    kiosk_browser, kiosk_url, instrument, settings
):
    settings.KIOSK_IDLE_SECONDS = 2
    page = kiosk_browser.new_page(java_script_enabled=False)
    page.goto(kiosk_url)
    answer_everything(page, instrument)
    with page.expect_response(re.compile(r"/thanks/")) as thanks:
        send_and_wait_for_thanks(page)
    assert "script-src 'self';" in thanks.value.headers["content-security-policy"]  # the strict one
    code = page.get_by_test_id("withdrawal-code").inner_text()
    assert page.get_by_test_id("new-survey").is_visible()

    page.wait_for_url(kiosk_url, timeout=10_000)  # nobody touched the tablet

    page.wait_for_selector("#submit-id-send")
    assert what_the_form_still_holds(page) == {"checked": [], "text": []}
    assert code not in page.content()
    go_back(page)
    assert code not in page.content()
