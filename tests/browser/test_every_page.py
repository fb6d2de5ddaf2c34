"""Every staff and patient page, on the demo data, at a phone's and a desktop's width.

Each page in PAGES is opened in headless Chromium at 390 and 1280 px; a full-page screenshot of
each goes to $SCREENSHOT_DIR (default /tmp/cp-screens; never committed) for a reviewer to look
at. The test fails on a console error, a page wider than the screen (horizontal scrolling) or an
empty main section. PAGES is the checklist of issue 15: add a row for every new page.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from feedback.demo_data.logins import DEMO_LOGINS
from feedback.demo_data.story import MANAGER_CLINIC_SLUG
from feedback.invitations import invitation_create, invitation_url
from feedback.models import Clinic, FollowUp, Provider, PulseRound, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/cp-screens"))
PASSWORDS = {username: password for username, password, _superuser in DEMO_LOGINS}


@dataclass
class Demo:
    """What the page addresses need from the seeded demo."""

    clinic: Clinic  # the demo manager's clinic
    provider: Provider  # one of its providers thanked in an approved story
    links: int = 0

    @property
    def invitation_path(self) -> str:
        """A new single-use survey link, as an e-mail would bring it."""
        self.links += 1
        visit = Visit.objects.create(
            clinic=self.clinic,
            provider=self.provider,
            external_id=f"EVERY-PAGE-{self.links}",
            occurred_at=timezone.now(),
        )
        invitation = invitation_create(
            visit=visit, channel="email", contact=f"page{self.links}@example.org"
        )
        return re.sub(r"^https?://[^/]+", "", invitation_url(invitation))

    @property
    def pulse_round(self) -> PulseRound:
        return PulseRound.objects.filter(clinic=self.clinic).latest("opens_on")

    @property
    def intervention(self):
        return apps.get_model("analytics", "Intervention").objects.filter(clinic=self.clinic)[0]

    @property
    def last_month(self) -> tuple[int, int]:
        first = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
        return first.year, first.month


@dataclass(frozen=True)
class PageToShow:
    name: str  # the screenshot's file name
    who: str  # "patient" (not signed in), "manager" or "admin"
    path: Callable[[Demo], str]
    # Patient pages reached by doing something first (answering the survey): page -> None.
    arrive: Callable | None = None


def _answer_the_survey(page, *, story: bool) -> None:
    """Pick the third answer of every question (and share a story) and send the survey."""
    for fieldset in page.locator("fieldset.survey-item").all():
        fieldset.locator("input[type=radio]").nth(2).check()
    if story:
        page.fill("#id_story", "The nurse stayed with me until I felt calm. Thank you.")
        page.locator("input[name=story_consent][value=anonymous]").check()
    page.locator("input[type=submit], button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/thanks/"))


PAGES: tuple[PageToShow, ...] = (
    # Patients
    PageToShow("survey-link", "patient", lambda d: d.invitation_path),
    PageToShow("survey-kiosk", "patient", lambda d: f"/c/{d.clinic.slug}/"),
    PageToShow(
        "thank-you",
        "patient",
        lambda d: d.invitation_path,
        arrive=lambda page: _answer_the_survey(page, story=True),
    ),
    PageToShow(
        "thank-you-kiosk",
        "patient",
        lambda d: f"/c/{d.clinic.slug}/",
        arrive=lambda page: _answer_the_survey(page, story=False),
    ),
    PageToShow("withdrawal", "patient", lambda d: f"/withdraw/?clinic={d.clinic.slug}"),
    PageToShow("qr-poster", "patient", lambda d: f"/c/{d.clinic.slug}/qr/"),
    PageToShow("story-wall", "patient", lambda d: f"/c/{d.clinic.slug}/stories/"),
    PageToShow("story-embed", "patient", lambda d: f"/c/{d.clinic.slug}/stories/embed/"),
    PageToShow("survey-spanish", "patient", lambda d: f"/c/{d.clinic.slug}/?lang=es"),
    # Staff
    PageToShow("sign-in", "patient", lambda d: reverse("accounts:login")),
    PageToShow("password-reset", "patient", lambda d: reverse("accounts:password_reset")),
    PageToShow("dashboard", "manager", lambda d: reverse("analytics:dashboard")),
    PageToShow("comments", "manager", lambda d: reverse("comments:overview")),
    PageToShow(
        "comments-theme",
        "manager",
        lambda d: reverse("comments:theme", args=[d.clinic.pk, "kindness"]),
    ),
    PageToShow("exports", "manager", lambda d: reverse("exports:start")),
    PageToShow("follow-ups", "manager", lambda d: reverse("staff:follow_ups")),
    PageToShow(
        "follow-ups-handled", "manager", lambda d: reverse("staff:follow_ups") + "?status=handled"
    ),
    PageToShow("moderation", "manager", lambda d: reverse("staff:moderation_queue")),
    PageToShow("kudos", "manager", lambda d: reverse("staff:provider_kudos", args=[d.provider.pk])),
    PageToShow("two-factor", "manager", lambda d: reverse("accounts:two_factor")),
    PageToShow("dashboard-all-clinics", "admin", lambda d: reverse("analytics:dashboard")),
    PageToShow("admin-index", "admin", lambda d: "/admin/"),
    PageToShow("admin-follow-ups", "admin", lambda d: "/admin/feedback/followup/"),
    # Staff wellbeing (issue 13)
    PageToShow("pulse-support", "patient", lambda d: f"/p/done/{d.pulse_round.pk}/"),
    PageToShow("wellbeing", "manager", lambda d: reverse("analytics:wellbeing")),
    PageToShow(
        "wellbeing-clinic",
        "manager",
        lambda d: reverse("analytics:wellbeing_clinic", args=[d.clinic.pk]),
    ),
    PageToShow(
        "wellbeing-new-round",
        "manager",
        lambda d: reverse("analytics:pulse_round_new", args=[d.clinic.pk]),
    ),
    PageToShow("wellbeing-clinics", "admin", lambda d: reverse("analytics:wellbeing_scatter")),
    # Interventions, alerts and reports (issue 14)
    PageToShow("interventions", "manager", lambda d: reverse("interventions:list")),
    PageToShow("intervention-new", "manager", lambda d: reverse("interventions:new")),
    PageToShow(
        "intervention",
        "manager",
        lambda d: reverse("interventions:detail", args=[d.intervention.pk]),
    ),
    PageToShow("reports", "manager", lambda d: reverse("reports:index")),
    PageToShow(
        "report-clinic",
        "manager",
        lambda d: reverse("reports:clinic", args=[d.clinic.pk, *d.last_month]),
    ),
    PageToShow(
        "report-organisation",
        "admin",
        lambda d: reverse("reports:organisation", args=list(d.last_month)),
    ),
    PageToShow("mail-preferences", "manager", lambda d: reverse("reports:preferences")),
)

# Measured in the page: what makes it fail, besides console errors.
MEASURE = """() => {
  const main = document.querySelector("main");
  return {
    scrollWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    mainText: main ? main.innerText.trim().length : 0,
  };
}"""


@pytest.fixture
def demo(settings) -> Demo:
    """The demo data as `make run` has it (tasks in-process), plus one open survey link."""
    from compassion_portal.celery import app

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        call_command("seed_demo", stdout=io.StringIO())
    finally:
        app.conf.task_always_eager = eager
    clinic = Clinic.objects.get(slug=MANAGER_CLINIC_SLUG)
    provider = Provider.objects.filter(clinic=clinic, kudos__status="approved").first()
    assert FollowUp.objects.filter(clinic=clinic, status="open").exists()
    return Demo(clinic=clinic, provider=provider)


def _signed_in(browser, live_server, who: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900})
    if who != "patient":
        page = context.new_page()
        page.goto(live_server.url + reverse("accounts:login"))
        page.fill("#id_username", who)
        page.fill("#id_password", PASSWORDS[who])
        page.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"{who} could not sign in"
        page.close()
    return context


def test_every_page_shows_content_fits_the_screen_and_logs_no_error(browser, live_server, demo):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for width in WIDTHS:
        contexts = {}
        for entry in PAGES:
            if entry.who not in contexts:
                contexts[entry.who] = _signed_in(browser, live_server, entry.who, width)
            page = contexts[entry.who].new_page()
            errors: list[str] = []
            page.on(
                "console",
                lambda message, errors=errors: (
                    message.type == "error" and errors.append(message.text)
                ),
            )
            page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
            page.goto(live_server.url + entry.path(demo))
            if entry.arrive is not None:
                entry.arrive(page)
            page.wait_for_load_state("load")
            where = f"{entry.name} at {width} px ({page.url})"
            measured = page.evaluate(MEASURE)
            page.screenshot(path=SCREENSHOT_DIR / f"{entry.name}-{width}.png", full_page=True)
            if errors:
                problems.append(f"{where}: console errors {errors}")
            if measured["scrollWidth"] > measured["viewport"]:
                problems.append(
                    f"{where}: {measured['scrollWidth']} px wide in a {measured['viewport']} px "
                    "screen (scrolls sideways)"
                )
            if measured["mainText"] == 0:
                problems.append(f"{where}: the main section is empty")
            page.close()
        for context in contexts.values():
            context.close()
    assert not problems, "\n".join(problems)
