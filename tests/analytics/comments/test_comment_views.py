"""Comment analytics: analysis stored by the task, SQL trends with small-n suppression, and the
dashboard section where managers read only their own clinics' comments."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.comments.services import comment_analyse, comments_analyse_pending, theme_section
from compassion_portal.celery import app
from feedback.models import CommentAnalysis, CommentTheme
from feedback.services import response_submit


@pytest.fixture
def eager_tasks():
    """Run tasks in-process even when REDIS_URL points the app at a real broker."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def comment(instrument, clinic_a, full_answers):
    def submit(text: str, *, clinic=None, language: str = "en", story: str = ""):
        return response_submit(
            instrument=instrument,
            clinic=clinic or clinic_a,
            answers=full_answers,
            language=language,
            comment=text,
            testimonial_text=story,
            testimonial_consent="anonymous",
        )

    return submit


def _window(clinic):
    today = timezone.now().astimezone(clinic.tzinfo).date()
    return today - dt.timedelta(days=30), today + dt.timedelta(days=1)


def test_submitting_a_comment_enqueues_its_analysis_on_commit(
    comment, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = comment("They listened and explained everything.", story="So kind, thanks!")
    analyses = {a.source: a for a in CommentAnalysis.objects.filter(response=response)}
    assert set(analyses) == {"comment", "testimonial"}
    assert (analyses["comment"].clinic_id, analyses["comment"].local_date) == (
        response.clinic_id,
        response.local_date,
    )
    assert set(analyses["comment"].themes.values_list("theme", flat=True)) == {
        "listening",
        "clear_explanation",
    }
    assert list(analyses["testimonial"].themes.values_list("theme", flat=True)) == ["kindness"]
    assert analyses["testimonial"].sentiment_label == "positive"


def test_analysing_twice_stores_the_same_rows(comment):
    response = comment("The wait was long.")
    assert comments_analyse_pending() == 1
    assert comments_analyse_pending() == 0
    comment_analyse(response=response)
    assert CommentAnalysis.objects.count() == 1
    assert list(CommentTheme.objects.values_list("theme", flat=True)) == ["waiting"]


def test_theme_section_is_suppressed_under_the_minimum_group_size(comment, clinic_a, settings):
    settings.MIN_GROUP_SIZE = 10
    for _ in range(9):
        comment("They listened to me.")
    comments_analyse_pending()
    start, end = _window(clinic_a)
    section = theme_section(clinic=clinic_a, start=start, end=end)
    assert section.suppressed and section.comments == 9
    assert section.themes == [] and section.periods == []


def test_theme_counts_and_mean_sentiment_match_a_hand_count(comment, clinic_a, settings):
    settings.MIN_GROUP_SIZE = 10
    for _ in range(10):
        comment("They listened to me.")
    for _ in range(2):
        comment("The wait was terrible.")
    comments_analyse_pending()
    start, end = _window(clinic_a)
    section = theme_section(clinic=clinic_a, start=start, end=end)
    rows = {row.theme: row for row in section.themes}
    assert section.comments == 12 and not section.suppressed
    assert rows["listening"].comments == 10 and not rows["listening"].suppressed
    scores = CommentAnalysis.objects.filter(themes__theme="listening").values_list(
        "sentiment_score", flat=True
    )
    assert rows["listening"].mean_sentiment == pytest.approx(sum(scores) / 10)
    assert rows["waiting"].comments == 2 and rows["waiting"].suppressed
    assert rows["waiting"].mean_sentiment is None
    assert sum(period.comments for period in section.periods) == 12


def test_overview_page_shows_suppression_note_for_few_comments(
    client, comment, manager_a, clinic_a, settings
):
    settings.MIN_GROUP_SIZE = 10
    comment("They listened to me.")
    comments_analyse_pending()
    client.force_login(manager_a)
    page = client.get(reverse("comments:overview") + f"?clinic={clinic_a.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="themes-suppressed"' in html and 'data-testid="themes"' not in html


def test_overview_page_lists_themes_in_a_few_queries(
    client, comment, manager_a, clinic_a, settings, django_assert_max_num_queries
):
    settings.MIN_GROUP_SIZE = 3
    for _ in range(4):
        comment("They listened to me, I trust them.")
    comments_analyse_pending()
    client.force_login(manager_a)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("comments:overview") + f"?clinic={clinic_a.pk}")
    html = page.content.decode()
    assert 'data-testid="themes"' in html
    assert reverse("comments:theme", args=[clinic_a.pk, "listening"]) in html


def test_manager_cannot_see_another_clinics_comments(
    client, comment, manager_b, clinic_a, settings
):
    settings.MIN_GROUP_SIZE = 1
    comment("Secret comment: they listened.")
    comments_analyse_pending()
    client.force_login(manager_b)
    assert client.get(reverse("comments:overview") + f"?clinic={clinic_a.pk}").status_code == 404
    page = client.get(reverse("comments:theme", args=[clinic_a.pk, "listening"]))
    assert page.status_code == 404


def test_theme_comments_are_redacted_and_suppressed_when_few(
    client, comment, manager_a, clinic_a, provider_a, settings
):
    settings.MIN_GROUP_SIZE = 3
    for _ in range(3):
        comment("Dr. Ortiz listened. Call me on 555-123-4567.")
    comment("They made me wait.")
    comments_analyse_pending()
    client.force_login(manager_a)
    listening = client.get(reverse("comments:theme", args=[clinic_a.pk, "listening"]))
    html = listening.content.decode()
    assert html.count('data-testid="comment"') == 3
    assert "Dr. [name] listened. Call me on [phone]." in html and "555-123" not in html
    waiting = client.get(reverse("comments:theme", args=[clinic_a.pk, "waiting"])).content
    assert b'data-testid="theme-suppressed"' in waiting and b"made me wait" not in waiting


def test_unknown_theme_is_404(client, manager_a, clinic_a):
    client.force_login(manager_a)
    assert client.get(reverse("comments:theme", args=[clinic_a.pk, "nope"])).status_code == 404


def test_comments_section_needs_a_sign_in(client, clinic_a):
    answer = client.get(reverse("comments:overview") + f"?clinic={clinic_a.pk}")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_the_task_clears_a_backlog_larger_than_one_batch(comment, monkeypatch):
    from analytics import tasks
    from analytics.comments import services

    monkeypatch.setattr(services, "PENDING_BATCH", 2)
    for text in ("The wait was long.", "They listened.", "Kind staff.", "Felt rushed.", "Ok."):
        comment(text)
    assert tasks.comments_analyse_pending() == 5
    assert tasks.comments_analyse_pending() == 0


def test_overview_draws_themes_and_sentiment_over_time_with_the_dashboards_periods(
    client, comment, manager_a, clinic_a, settings
):
    settings.MIN_GROUP_SIZE = 3
    for _ in range(4):
        comment("They listened to me, I trust them.")
    comments_analyse_pending()
    client.force_login(manager_a)
    page = client.get(reverse("comments:overview"), {"clinic": clinic_a.pk, "period": "30d"})
    html = page.content.decode()
    assert page.context["section"].granularity == "week"  # one week, and it can be shown
    assert 'data-testid="comment-charts"' in html
    assert 'id="figure-comment-themes"' in html and 'id="figure-comment-sentiment"' in html
    assert '<option value="30d" selected>Last 30 days</option>' in html
    assert '<option value="custom">Custom dates</option>' in html
    assert '<option value="180d">Last 6 months</option>' in html
    today = timezone.localdate()
    start = today - dt.timedelta(days=29)
    assert f"{start:%-d %b %Y} – {today:%-d %b %Y}" in html
    assert "VADER" not in html and "lexicon" not in html
    assert 'data-testid="weeks"' not in html  # the table of hidden rows is gone


def test_custom_dates_as_on_the_dashboard_and_a_bad_period_is_refused_with_400(
    client, manager_a, clinic_a
):
    client.force_login(manager_a)
    custom = {"clinic": clinic_a.pk, "period": "custom", "start": "2026-01-05", "end": "2026-02-01"}
    page = client.get(reverse("comments:overview"), custom)
    assert page.status_code == 200
    assert (page.context["start"], page.context["end"]) == (
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 1),
    )
    assert "5 Jan 2026 – 1 Feb 2026" in page.content.decode()
    assert page.context["period_query"] == "period=custom&start=2026-01-05&end=2026-02-01"

    backwards = {**custom, "start": "2026-03-01"}
    refused = client.get(reverse("comments:overview"), backwards)
    assert refused.status_code == 400
    assert "The start date must be on or before the end date." in refused.content.decode()
    unknown = client.get(reverse("comments:overview"), {"clinic": clinic_a.pk, "period": "7y"})
    assert unknown.status_code == 400
    theme = client.get(reverse("comments:theme", args=[clinic_a.pk, "listening"]), backwards)
    assert theme.status_code == 400
    assert theme.content.decode() == "The start date must be on or before the end date."


def test_the_period_inputs_show_the_presets_dates(client, manager_a, clinic_a):
    client.force_login(manager_a)
    page = client.get(reverse("comments:overview"), {"clinic": clinic_a.pk})
    today = timezone.localdate()
    html = page.content.decode()
    assert f'value="{today - dt.timedelta(days=89):%Y-%m-%d}"' in html
    assert f'value="{today:%Y-%m-%d}"' in html
