"""In Chromium, on a phone and a desktop: an idle session ends and the sign-in page says why, and
the password-reset page fits the screen. SCREENSHOT_DIR=... keeps a picture of each."""

import os
import re
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from accounts.sessions import LAST_SEEN_AT

PASSWORD = "pw-manager-123456"
SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _keep(page, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.hardening
@pytest.mark.parametrize("screen", SCREENS)
def test_an_idle_session_ends_and_the_sign_in_page_says_why(live_server, page, screen):
    User.objects.create_user("manager", password=PASSWORD)
    page.set_viewport_size(SCREENS[screen])
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/"))

    # Thirty-one minutes without a request, as the server sees it.
    [cookie] = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    session = SessionStore(session_key=cookie["value"])
    session[LAST_SEEN_AT] = int(time.time()) - 31 * 60
    session.save()

    page.goto(live_server.url + reverse("staff:follow_ups"))
    page.wait_for_url(re.compile(r"/accounts/login/"))
    message = page.get_by_role("status")
    assert "signed out after 30 minutes without activity" in message.inner_text()
    assert message.is_visible() and _fits_the_screen(page)
    _keep(page, f"login-idle-{screen}")


@pytest.mark.parametrize("screen", SCREENS)
def test_the_password_reset_page_fits_the_screen(live_server, page, screen):
    page.set_viewport_size(SCREENS[screen])
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url(re.compile(r"/accounts/password-reset/$"))
    assert page.get_by_role("heading", name="Reset your password").is_visible()
    assert _fits_the_screen(page)
    _keep(page, f"password-reset-{screen}")
    page.fill("#id_email", "nobody@clinic.example")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url(re.compile(r"/accounts/password-reset/sent/$"))
    assert page.get_by_role("heading", name="Check your e-mail").is_visible()
