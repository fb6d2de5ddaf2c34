"""Two-factor sign-in in headless Chromium: set up from the typed key, then sign in with a code."""

import re
from base64 import b32decode

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import reverse
from django_otp.oath import TOTP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


def code_for(typed_key: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app given this key shows (steps_ahead=1: the next 30 s window)."""
    key = b32decode(typed_key.replace(" ", "") + "=" * (-len(typed_key.replace(" ", "")) % 8))
    return f"{TOTP(key, drift=steps_ahead).token():06d}"


def axe_violations(page) -> str:
    """axe-core's findings in the page's own content (the shared staff menu is audited apart)."""
    results = Axe().run(page, context="#main")
    return "" if results.violations_count == 0 else results.generate_report()


def test_manager_sets_up_two_factor_and_then_signs_in_with_a_code(page, live_server, instrument):
    cache.clear()
    User.objects.create_user("manager-a", password=PASSWORD)
    problems = []
    page.on(  # CSP refusals show up as console errors
        "console",
        lambda m: (
            m.type == "error"
            and "favicon" not in (m.location or {}).get("url", "")
            and problems.append(m.text)
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "manager-a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))

    page.get_by_role("link", name="Two-factor sign-in").click()
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    assert page.locator("[data-testid=totp-qr] svg").is_visible()
    assert axe_violations(page) == ""
    typed_key = page.get_by_test_id("totp-key").inner_text()
    page.fill("#id_code", code_for(typed_key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    page.wait_for_url(re.compile(r"/accounts/two-factor/recovery-codes/$"))
    assert page.get_by_text("Store these now.").is_visible()
    assert page.locator("[data-testid=recovery-codes] li").count() == 10

    page.get_by_role("button", name="Sign out").click()
    page.goto(live_server.url + reverse("accounts:login") + "?next=/dashboard/")
    page.fill("#id_username", "manager-a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/two-factor/verify/"))
    assert axe_violations(page) == ""
    page.goto(live_server.url + "/dashboard/")  # not yet: back to the code page
    page.wait_for_url(re.compile(r"/accounts/two-factor/verify/"))

    page.fill("#id_code", code_for(typed_key, steps_ahead=1))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    assert problems == []
