"""The filters as a new manager meets them (issue 15): dates shown, help, a phone summary,
and with one clinic in view the heatmap by provider."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from analytics.dashboard.forms import DashboardFilterForm
from tests.analytics.dashboard.test_dashboard_access import respond

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def form(data, clinic):
    return DashboardFilterForm(
        data,
        clinics=[clinic],
        providers=[],
        dimensions=[("empathy", "Empathy"), ("trust", "Trust")],
        today=TODAY,
    )


def test_date_inputs_show_the_dates_of_the_chosen_period(clinic_a):
    filters = form({"period": "90d"}, clinic_a)
    assert filters["start"].value() == "2026-09-06"
    assert filters["end"].value() == "2026-12-04"
    assert 'value="2026-09-06"' in str(filters["start"])
    assert filters.is_valid()
    assert (filters.cleaned_data["start"], filters.cleaned_data["end"]) == (
        dt.date(2026, 9, 6),
        TODAY,
    )


def test_custom_dates_are_kept_as_typed(clinic_a):
    filters = form({"period": "custom", "start": "2026-01-05", "end": "2026-02-01"}, clinic_a)
    assert filters["start"].value() == "2026-01-05"
    assert filters.is_valid()


def test_compare_on_explains_itself_and_the_summary_names_the_filters_in_force(clinic_a):
    filters = form({"period": "30d", "dimension": "trust", "granularity": "month"}, clinic_a)
    assert "funnel plot" in str(filters["dimension"].help_text)
    assert filters.summary() == [
        "5 Nov 2026 to 4 Dec 2026",
        "compare on Trust",
        "by month",
    ]
    narrowed = form({"clinic": str(clinic_a.pk), "channel": "sms"}, clinic_a)
    assert narrowed.summary()[1:3] == [clinic_a.name, "Text message"]


def test_the_page_collapses_filters_behind_their_summary_and_shows_what_each_n_counts(
    client, manager_a, clinic_a, instrument, provider_a
):
    respond(instrument, clinic_a, 12, provider=provider_a)
    client.force_login(manager_a)
    response = client.get(
        reverse("analytics:dashboard"),
        {"period": "custom", "start": "2026-02-02", "end": "2026-03-01"},
    )
    html = response.content.decode()
    assert '<details id="dashboard-filters-panel"' in html
    assert '<span class="dashboard-filters-part">2 Feb 2026 to 1 Mar 2026</span>' in html
    assert 'id="id_dimension_helptext"' in html
    assert "surveys completed, invited or not" in html
    # One clinic in view: the heatmap compares its providers, not the one clinic.
    assert "Dimension scores by provider" in html
    assert "Dimension scores by clinic" not in html


def test_a_manager_of_another_clinic_gets_404_for_this_clinic(client, manager_b, clinic_a):
    client.force_login(manager_b)
    response = client.get(reverse("analytics:dashboard"), {"clinic": clinic_a.pk})
    assert response.status_code == 404


def test_one_clinic_heatmap_is_by_provider_with_one_complement_and_low_reliability(
    client, manager_a, clinic_a, instrument, provider_a
):
    from feedback.models import Provider

    small = Provider.objects.create(clinic=clinic_a, display_name="Dr. Small")
    large = Provider.objects.create(clinic=clinic_a, display_name="Dr. Large")
    respond(instrument, clinic_a, 12, provider=provider_a)
    respond(instrument, clinic_a, 5, provider=small)
    respond(instrument, clinic_a, 15, provider=large)
    client.force_login(manager_a)
    response = client.get(
        reverse("analytics:dashboard"),
        {"period": "custom", "start": "2026-02-02", "end": "2026-03-01"},
    )
    heatmap = response.context["dashboard"].chart("heatmap")
    rows = {(row[0], row[1]): row for row in heatmap.rows}
    empathy = {
        provider: row for (dimension, provider), row in rows.items() if dimension == "Empathy"
    }
    # 5 is hidden; the smallest other provider (12) is its complement; 15 is shown, marked
    # low reliability (fewer than 30 responses).
    assert empathy["Dr. Small"][2:] == (None, None, None, None, "fewer than 10 responses")
    assert empathy[provider_a.display_name][-1].startswith("hidden so that")
    assert empathy["Dr. Large"][2] == 15
    assert empathy["Dr. Large"][-1] == "low reliability (fewer than 30 responses)"
