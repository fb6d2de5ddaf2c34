"""Staff views: the leadership dashboard (thin: a form, a selector, a template)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from analytics.dashboard.assembly import Dashboard, dashboard_build
from analytics.dashboard.cache import CACHE_SECONDS, dashboard_cached
from analytics.dashboard.forms import DashboardFilterForm
from analytics.dashboard.interventions import (
    intervention_refs,
    interventions_in_view,
    limits_from_field_add,
)
from analytics.dashboard.plotly_locale import plotly_locale
from analytics.dashboard.scope import DashboardScope, dashboard_scope
from analytics.exports.csv_writer import csv_encoded, csv_header
from analytics.interventions.selectors import interventions_for_trend
from analytics.read_replica import replica_reads
from feedback.access import clinic_for_user, clinics_for_user, object_for_user
from feedback.models import Instrument, Provider
from feedback.services import instrument_current, instrument_definition, instrument_slug_of
from feedback.texts import text_in


def home(request: HttpRequest) -> HttpResponse:
    return redirect("analytics:dashboard" if request.user.is_authenticated else "accounts:login")


def _provider_for_user(request: HttpRequest, provider_id: str) -> Provider:
    """A provider at one of the user's clinics, else 404 (as for a provider that does not exist)."""
    return object_for_user(
        request, Provider.objects, pk=provider_id, clinic_path="clinic", kind="provider"
    )


def _instrument_choices(slugs: list[str]) -> list[tuple[str, str]]:
    """(slug, name) of the surveys the clinics in view ask; read only when there are several."""
    if len(slugs) < 2:
        return []
    names = dict(
        Instrument.objects.filter(slug__in=slugs, is_active=True)
        .order_by("slug", "version")
        .values_list("slug", "name")
    )
    return [(slug, names.get(slug, slug)) for slug in slugs]


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class _DashboardPage:
    form: DashboardFilterForm
    scope: DashboardScope | None = None  # None: no clinic to show, or the filters are invalid
    dashboard: Dashboard | None = None
    cache_key: str | None = None


def _dashboard_build_on_replica(scope, definition):
    """The figures, read from the replica when there is one (access was checked on the primary)."""
    with replica_reads():
        return dashboard_build(scope=scope, definition=definition)


def _dashboard_for(request: HttpRequest) -> _DashboardPage:
    """The filter form and, when it is valid, the scope and the (cached) dashboard.

    A clinic or provider outside the user's clinics is a 404 before anything else is read.
    """
    clinics = list(clinics_for_user(request.user))
    in_view = [clinic.pk for clinic in clinics]
    if chosen_provider := request.GET.get("provider") or None:
        in_view = [_provider_for_user(request, chosen_provider).clinic_id]
    if chosen_clinic := request.GET.get("clinic") or None:
        in_view = [clinic_for_user(request.user, chosen_clinic, request=request).pk]
    # Providers are offered within one clinic (hundreds across an organisation help nobody).
    providers = (
        list(Provider.objects.filter(clinic_id=in_view[0]).order_by("display_name"))
        if len(in_view) == 1
        else []
    )
    # One instrument at a time: clinics asking different surveys are shown survey by survey.
    slugs = list(dict.fromkeys(instrument_slug_of(c) for c in clinics if c.pk in in_view))
    slug = request.GET.get("instrument") if request.GET.get("instrument") in slugs else None
    instrument = instrument_current(slug or (slugs[0] if slugs else None))
    definition = instrument_definition(instrument)
    dimensions = [
        (d.id, text_in(d.label, get_language() or "")) for d in definition.mean_scored_dimensions
    ]
    form = DashboardFilterForm(
        request.GET,
        clinics=clinics,
        providers=providers,
        dimensions=dimensions,
        dimension_default=definition.headline_dimension,
        instruments=_instrument_choices(slugs),
    )
    refs = intervention_refs(
        interventions_for_trend(clinic_ids=in_view, provider_id=_int_or_none(chosen_provider))
    )
    limits_from_field_add(form, refs)
    if not clinics or not form.is_valid():
        return _DashboardPage(form)
    scope = dashboard_scope(
        cleaned=form.cleaned_data,
        clinics=[c for c in clinics if instrument_slug_of(c) == instrument.slug],
        providers=providers,
        ui_language=get_language() or "en",
        min_group_size=settings.MIN_GROUP_SIZE,
        low_reliability_n=settings.LOW_RELIABILITY_N,
        interventions=refs,
    )
    key, built = dashboard_cached(
        scope,
        instrument_key=f"{instrument.pk}:{instrument.definition_sha256}",
        build=lambda: _dashboard_build_on_replica(scope, definition),
    )
    return _DashboardPage(form, scope, built, key)


@never_cache
@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    page = _dashboard_for(request)
    context = {
        "form": page.form,
        "scope": page.scope,
        "dashboard": page.dashboard,
        "dashboard_key": page.cache_key,
        "fragment_seconds": CACHE_SECONDS if page.cache_key else 0,
        "query": request.GET.urlencode(),
        "plotly_locale": plotly_locale(),
        "interventions": interventions_in_view(page.scope) if page.scope else [],
    }
    return render(request, "analytics/dashboard.html", context)


@never_cache
@login_required
@require_GET
def dashboard_csv(request: HttpRequest, chart: str) -> HttpResponse:
    """The numbers of one chart, with the page's filters, as CSV (suppressed cells empty)."""
    page = _dashboard_for(request)
    table = page.dashboard.chart(chart) if page.dashboard is not None else None
    if table is None:
        raise Http404("No such chart.")
    response = HttpResponse(
        csv_header(table.columns, bom=True) + csv_encoded(table.rows),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"{chart}-{page.scope.since:%Y%m%d}-{page.scope.until:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
