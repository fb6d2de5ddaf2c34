"""A manager records an intervention through the form and finds its marker on the trend chart."""

import datetime as dt
import json
import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from analytics.interventions.models import Intervention
from analytics.rollups.services import dirty_buckets_drain
from feedback.models import AuditEvent, ClinicMembership
from feedback.services import instrument_definition, response_submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def manager(clinic_a, instrument, provider_a):
    cache.clear()
    definition = instrument_definition(instrument)
    for i in range(120):  # about ten a week over twelve weeks
        answers = {
            item.id: (i * 7) % 11 if item.scale.max == 10 else 1 + (i * 3 + j) % 5
            for j, item in enumerate(definition.items)
        }
        response_submit(
            instrument=instrument,
            clinic=clinic_a,
            provider=provider_a,
            answers=answers,
            language="en",
            now=timezone.now() - dt.timedelta(days=1 + i * 84 / 120),
        )
    dirty_buckets_drain()
    user = User.objects.create_user("manager-a", password=PASSWORD)
    ClinicMembership.objects.create(user=user, clinic=clinic_a)
    return user


def test_manager_adds_an_intervention_and_sees_its_marker_on_the_trend_chart(
    page, live_server, manager, clinic_a
):
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server.url + reverse("accounts:login") + "?next=/interventions/new/")
    page.fill("#id_username", "manager-a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/interventions/new/$"))

    started = timezone.localdate() - dt.timedelta(days=30)
    # First a mistake: an end before the start is refused with a readable message.
    page.fill("#id_title", "Active listening workshop")
    page.select_option("#id_kind", "training")
    page.fill("#id_start_date", started.isoformat())
    page.fill("#id_end_date", (started - dt.timedelta(days=1)).isoformat())
    page.click(".intervention-form button[type=submit]")
    assert "The end date must be on or after the start date." in page.content()
    page.fill("#id_end_date", "")
    page.click(".intervention-form button[type=submit]")
    page.wait_for_url(re.compile(r"/interventions/\d+/$"))
    assert "Intervention recorded." in page.content()
    intervention = Intervention.objects.get()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.INTERVENTION_CREATE, target=f"intervention:{intervention.pk}"
    ).exists()

    page.goto(live_server.url + reverse("analytics:dashboard"))
    chart = page.locator('.chart-figure[data-figure="figure-trend-empathy"]')
    page.wait_for_function(
        "document.querySelector('.chart-figure[data-figure=\"figure-trend-empathy\"]')"
        ".dataset.rendered === 'true'"
    )
    figure = json.loads(page.locator("#figure-trend-empathy").text_content())
    assert [s["x0"] for s in figure["layout"]["shapes"]] == [started.isoformat()]
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["Active listening workshop"]
    # Drawn by plotly.js: the dotted line and its label are in the chart's SVG.
    assert chart.locator(".shapelayer path").count() >= 1
    assert chart.locator(".annotation-text", has_text="Active listening workshop").count() == 1
    # Listed under the trends with a link to its page, and in the chart's data table.
    link = page.locator('[data-testid="dashboard-interventions"] a', has_text="Active listening")
    assert link.get_attribute("href") == reverse("interventions:detail", args=[intervention.pk])
    table = page.locator("#title-trend-empathy ~ details")
    table.locator("summary").click()
    assert f"Active listening workshop ({started.isoformat()})" in table.inner_text()
    assert problems == []
