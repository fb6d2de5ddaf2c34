"""Dashboard section on comments: theme frequency and sentiment over time, and a theme's comments.

Thin views: the clinic comes through the access helper (404 for another clinic's), the numbers
from analytics.comments.services, where small-group suppression is applied before anything is shown.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from analytics.charts.comments import comment_sentiment_chart, comment_themes_chart
from analytics.comments.forms import CommentPeriodForm
from analytics.comments.services import ThemeSection, theme_comments, theme_section
from analytics.comments.themes import taxonomy_load
from analytics.dashboard.assembly import ChartView
from analytics.dashboard.plotly_locale import plotly_locale
from feedback.access import clinic_for_user, clinics_for_user

COMMENTS_PER_PAGE = 20


def _period(request: HttpRequest) -> CommentPeriodForm:
    """The dashboard's periods (?period=, custom dates with ?start=&end=), last 90 days by
    default; an invalid one is answered 400 with the form's message."""
    return CommentPeriodForm(request.GET)


def _charts(section: ThemeSection) -> list[ChartView]:
    """The section's two figures over time, with their data tables (already suppressed)."""
    if section.suppressed or not section.periods:
        return []
    by_month = section.granularity == "month"
    themes_title = gettext("Themes by month") if by_month else gettext("Themes by week")
    sentiment_title = gettext("Sentiment by month") if by_month else gettext("Sentiment by week")
    themes = comment_themes_chart(
        title=themes_title,
        periods=section.periods,
        themes=[(row.theme, row.label) for row in section.themes],
        granularity=section.granularity,
        min_group_size=section.min_group_size,
    )
    sentiment = comment_sentiment_chart(
        title=sentiment_title,
        periods=section.periods,
        granularity=section.granularity,
        min_group_size=section.min_group_size,
    )
    return [
        ChartView.of("comment-themes", themes_title, themes),
        ChartView.of("comment-sentiment", sentiment_title, sentiment),
    ]


@never_cache
@login_required
@require_GET
def comments_overview(request: HttpRequest) -> HttpResponse:
    clinics = list(clinics_for_user(request.user))
    if not clinics:
        raise Http404("No clinic.")
    if "clinic" not in request.GET:
        return redirect(f"{request.path}?clinic={clinics[0].pk}")
    clinic = clinic_for_user(request.user, request.GET["clinic"], request=request)
    form = _period(request)
    context = {"clinic": clinic, "clinics": clinics, "form": form}
    if not form.is_valid():
        return render(request, "analytics/comments/overview.html", context, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    section = theme_section(
        clinic=clinic, start=start, end=end + dt.timedelta(days=1), language=get_language() or ""
    )
    context |= {
        "section": section,
        "charts": _charts(section),
        "plotly_locale": plotly_locale(),
        "period_query": form.query(),
        "start": start,
        "end": end,
    }
    return render(request, "analytics/comments/overview.html", context)


@never_cache
@login_required
@require_GET
def comments_of_theme(request: HttpRequest, clinic_id: int, theme: str) -> HttpResponse:
    clinic = clinic_for_user(request.user, clinic_id, request=request)
    found = taxonomy_load().theme(theme)
    if found is None:
        raise Http404("No such theme.")
    form = _period(request)
    if not form.is_valid():
        return HttpResponseBadRequest(
            _period_errors(form), content_type="text/plain; charset=utf-8"
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"] + dt.timedelta(days=1)
    total, comments = theme_comments(clinic=clinic, theme=theme, start=start, end=end)
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "analytics/comments/theme.html",
        {
            "clinic": clinic,
            "theme": found,
            "theme_label": found.label_in(get_language() or ""),
            "total": total,
            "page": page,
            "period_query": form.query(),
            "suppressed": not comments and total > 0,
            "start": start,
            "end": end - dt.timedelta(days=1),
        },
    )


def _period_errors(form: CommentPeriodForm) -> str:
    """The form's messages as one readable line, for a 400 answer."""
    return " ".join(
        error if name == "__all__" else f"{form[name].label}: {error}"
        for name, errors in form.errors.items()
        for error in errors
    )
