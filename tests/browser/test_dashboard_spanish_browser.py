"""The dashboard in a Spanish browser: plotly writes dates and numbers the Spanish way too."""

import re

import pytest
from django.urls import reverse

from tests.browser.test_dashboard_browser import PASSWORD, manager  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGLISH_MONTHS = {"Jan", "Apr", "Aug", "Dec"}  # the abbreviations Spanish writes otherwise


def test_spanish_browser_gets_spanish_month_ticks_and_decimal_commas_in_the_figures(
    browser,
    live_server,
    manager,  # noqa: F811
):
    context = browser.new_context(locale="es-ES")  # the browser sends Accept-Language: es-ES
    page = context.new_page()
    page.goto(live_server.url + reverse("accounts:login") + "?next=/dashboard/")
    page.fill("#id_username", "manager-a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))
    count = page.locator(".chart-figure").count()
    page.wait_for_function(
        f"document.querySelectorAll('.chart-figure[data-rendered=true]').length === {count}"
    )

    trend = page.locator("[data-figure=figure-trend-empathy]")
    ticks = trend.locator(".xtick text").all_text_contents()
    separators = trend.evaluate("el => el._fullLayout.separators")
    context.close()

    assert ticks and not {word for tick in ticks for word in tick.split()} & ENGLISH_MONTHS
    assert any(re.search(r"[A-Z][a-z]{2} \d{4}", tick) for tick in ticks), ticks
    assert separators[0] == ","
