"""The dashboard in headless Chromium: sign in, charts drawn, a filter redraws them, no leaks."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from analytics.rollups.services import dirty_buckets_drain
from feedback.models import ClinicMembership, Provider
from feedback.services import instrument_definition, response_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def manager(clinic_a, clinic_b, instrument, provider_a):
    cache.clear()  # no page cached by an earlier test for the same filters
    other = Provider.objects.create(clinic=clinic_b, display_name="Dr. Bea Blanco")
    definition = instrument_definition(instrument)
    # Twelve weeks of answers, about 12 a week at clinic A (so weekly points are shown).
    for clinic, provider, count in ((clinic_a, provider_a, 150), (clinic_b, other, 20)):
        for i in range(count):
            answers = {
                item.id: (i * 7) % 11 if item.scale.max == 10 else 1 + (i * 3 + j) % 5
                for j, item in enumerate(definition.items)
            }
            response_submit(
                instrument=instrument,
                clinic=clinic,
                provider=provider,
                answers=answers,
                language="en",
                now=timezone.now() - dt.timedelta(days=1 + i * 84 / count),
            )
    dirty_buckets_drain()
    user = User.objects.create_user("manager-a", password=PASSWORD)
    ClinicMembership.objects.create(user=user, clinic=clinic_a)
    return user


def test_manager_signs_in_sees_charts_drawn_and_a_filter_redraws_them(
    page, live_server, manager, clinic_a, clinic_b
):
    problems = []
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and "favicon" not in (message.location or {}).get("url", "")
            and problems.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(live_server.url + reverse("accounts:login") + "?next=/dashboard/")
    page.fill("#id_username", "manager-a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))

    figures = page.locator(".chart-figure")
    count = figures.count()
    assert count == 9  # 5 trends, funnel, item bars, heatmap, recommend
    page.wait_for_function(
        f"document.querySelectorAll('.chart-figure[data-rendered=true]').length === {count}"
    )
    for index in range(count):
        figure = figures.nth(index)
        assert figure.locator("svg.main-svg").count() >= 1
        # Something was plotted: markers, bars or heatmap cells, not just empty axes.
        assert figure.locator(".point, .bars path, .hm image, .heatmaplayer image").count() > 0
    weekly_title = page.locator("#title-trend-empathy").inner_text()
    assert "weekly" in weekly_title

    page.select_option("#id_granularity", "month")  # filters submit themselves on change
    page.wait_for_url(re.compile(r"granularity=month"))
    page.wait_for_function(
        f"document.querySelectorAll('.chart-figure[data-rendered=true]').length === {count}"
    )

    assert "monthly" in page.locator("#title-trend-empathy").inner_text()
    trend_x = page.evaluate(
        "() => JSON.parse(document.getElementById('figure-trend-empathy').textContent).data[2].x"
    )
    assert all(day.endswith("-01") for day in trend_x)  # one point per month
    html = page.content()
    assert clinic_a.name in html
    assert clinic_b.name not in html and "Dr. Bea Blanco" not in html
    assert not problems, problems  # a CSP violation is reported as a console error


def test_on_a_phone_filters_fold_behind_their_summary_and_the_heatmap_fits(
    page, live_server, manager
):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("accounts:login") + "?next=/dashboard/")
    page.fill("#id_username", "manager-a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.wait_for_function(
        "document.querySelectorAll('.chart-figure[data-rendered=true]').length === "
        "document.querySelectorAll('.chart-figure').length"
    )

    panel = page.locator("#dashboard-filters-panel")
    assert panel.get_attribute("open") is None
    assert not page.locator("#id_period").is_visible()
    summary = page.locator(".dashboard-filters-summary").inner_text()
    assert "compare on Empathy" in summary and "by week" in summary
    # The headline's first tile is on the first screen, not pushed below the filters.
    assert page.locator("#tile-empathy").bounding_box()["y"] < 844
    # One clinic in view: providers by dimension, and nothing of it is cut at the edge.
    assert "by provider" in page.locator("#title-heatmap").inner_text()
    figure = page.locator("[data-figure=figure-heatmap]").bounding_box()
    for selector in (".cbtitle text", ".ytick text"):
        texts = page.locator(f"[data-figure=figure-heatmap] {selector}")
        assert texts.count() > 0, selector
        for index in range(texts.count()):
            box = texts.nth(index).bounding_box()
            assert (
                figure["x"] <= box["x"] and box["x"] + box["width"] <= figure["x"] + figure["width"]
            ), (selector, texts.nth(index).text_content())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    assert page.locator("#dashboard-filters-panel").get_attribute("open") is not None
    assert page.locator("#id_start").input_value() != ""  # the period's dates are shown
