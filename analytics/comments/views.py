"""Dashboard section on comments: theme frequency and sentiment over time, and a theme's comments.

Thin views: the clinic comes through the access helper (404 for another clinic's), the numbers
from analytics.comments.services, where small-group suppression is applied before anything is shown.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from analytics.comments.services import theme_comments, theme_section
from analytics.comments.themes import taxonomy_load
from feedback.access import clinic_for_user, clinics_for_user

PERIOD_CHOICES = (28, 91, 182, 365)
DEFAULT_PERIOD_DAYS = 91
COMMENTS_PER_PAGE = 20


def _period(request: HttpRequest) -> tuple[dt.date, dt.date, int]:
    """[start, end) in days: the last N days up to and including today (N from ?days=)."""
    try:
        days = int(request.GET.get("days", DEFAULT_PERIOD_DAYS))
    except ValueError:
        days = DEFAULT_PERIOD_DAYS
    days = days if days in PERIOD_CHOICES else DEFAULT_PERIOD_DAYS
    end = timezone.localdate() + dt.timedelta(days=1)
    return end - dt.timedelta(days=days), end, days


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
    start, end, days = _period(request)
    section = theme_section(clinic=clinic, start=start, end=end, language=get_language() or "")
    return render(
        request,
        "analytics/comments/overview.html",
        {
            "clinic": clinic,
            "clinics": clinics,
            "section": section,
            "days": days,
            "periods": PERIOD_CHOICES,
            "start": start,
            "end": end - dt.timedelta(days=1),
            "theme_ids": [row.theme for row in section.themes],
        },
    )


@never_cache
@login_required
@require_GET
def comments_of_theme(request: HttpRequest, clinic_id: int, theme: str) -> HttpResponse:
    clinic = clinic_for_user(request.user, clinic_id, request=request)
    found = taxonomy_load().theme(theme)
    if found is None:
        raise Http404("No such theme.")
    start, end, days = _period(request)
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
            "days": days,
            "suppressed": not comments and total > 0,
            "start": start,
            "end": end - dt.timedelta(days=1),
        },
    )
