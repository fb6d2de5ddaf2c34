"""Staff pages for interventions: list, record, edit, delete, and the "did it work?" page.

Every intervention is fetched through one access helper, so another clinic's is a 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from analytics.charts.trend import SIGNAL_STYLE
from analytics.interventions.forms import InterventionForm
from analytics.interventions.models import Intervention
from analytics.interventions.selectors import effects_of, interventions_for_clinics
from analytics.interventions.services import (
    intervention_create,
    intervention_delete,
    intervention_update,
)
from analytics.stats.spc import Signal
from feedback.access import clinics_for_user, object_for_user


def _intervention_for_user(request: HttpRequest, pk: int) -> Intervention:
    return object_for_user(
        request,
        Intervention.objects.select_related("clinic"),
        pk=pk,
        clinic_path="clinic",
        kind="intervention",
    )


def _fields(form: InterventionForm) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "kind": data["kind"],
        "start_date": data["start_date"],
        "end_date": data.get("end_date"),
        "providers": list(data.get("providers") or []),
        "note": data.get("note", ""),
    }


def _saved_or_errors(form: InterventionForm, save) -> Intervention | None:
    """Run the service; a rule it enforces shows on the form like any other error."""
    try:
        return save()
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return None


@never_cache
@login_required
@require_http_methods(["GET"])
def intervention_list(request: HttpRequest) -> HttpResponse:
    clinics = list(clinics_for_user(request.user))
    interventions = interventions_for_clinics([c.pk for c in clinics])
    return render(
        request,
        "analytics/interventions/list.html",
        {"interventions": interventions, "several_clinics": len(clinics) > 1},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def intervention_new(request: HttpRequest) -> HttpResponse:
    clinics = list(clinics_for_user(request.user))
    form = InterventionForm(request.POST or None, clinics=clinics)
    if request.method == "POST" and form.is_valid():
        clinic = form.cleaned_data["clinic"]
        intervention = _saved_or_errors(
            form,
            lambda: intervention_create(actor=request.user, clinic=clinic, **_fields(form)),
        )
        if intervention is not None:
            messages.success(request, _("Intervention recorded."))
            return redirect("interventions:detail", pk=intervention.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "analytics/interventions/form.html",
        {"form": form, "intervention": None, "has_clinics": bool(clinics)},
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def intervention_edit(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = _intervention_for_user(request, pk)
    form = InterventionForm(
        request.POST or None, instance=intervention, clinics=[intervention.clinic]
    )
    if request.method == "POST" and form.is_valid():
        saved = _saved_or_errors(
            form,
            lambda: intervention_update(
                actor=request.user, intervention=intervention, **_fields(form)
            ),
        )
        if saved is not None:
            messages.success(request, _("Intervention saved."))
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "analytics/interventions/form.html",
        {"form": form, "intervention": intervention, "has_clinics": True},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def intervention_remove(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = _intervention_for_user(request, pk)
    if request.method == "POST":
        intervention_delete(actor=request.user, intervention=intervention)
        messages.success(request, _("Intervention deleted."))
        return redirect("interventions:list")
    return render(request, "analytics/interventions/delete.html", {"intervention": intervention})


@never_cache
@login_required
@require_http_methods(["GET"])
def intervention_detail(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = _intervention_for_user(request, pk)
    (effect,) = effects_of(Intervention.objects.filter(pk=intervention.pk))
    rows = [
        {"effect": row, "signals": _signals_text(row.signals_after)} for row in effect.dimensions
    ]
    small = settings.MIN_GROUP_SIZE
    last_shown = min(effect.windows.after[1], timezone.localdate())
    query = urlencode(
        {
            "clinic": intervention.clinic_id,
            "period": "custom",
            "start": effect.windows.before[0].isoformat(),
            "end": max(last_shown, intervention.start_date).isoformat(),
            "limits_from": intervention.pk,
        }
    )
    return render(
        request,
        "analytics/interventions/detail.html",
        {
            "intervention": intervention,
            "effect": effect,
            "rows": rows,
            "has_comparison": any(row.comparison is not None for row in effect.dimensions),
            "fewer_than": ngettext("fewer than %(n)d response", "fewer than %(n)d responses", small)
            % {"n": small},
            "dashboard_url": f"{reverse('analytics:dashboard')}?{query}",
        },
    )


def _signals_text(signals: tuple[Signal, ...] | None) -> str:
    if signals is None:
        return _("Too few weeks to tell")
    if not signals:
        return _("None")
    return "; ".join(_(SIGNAL_STYLE[signal][0]) for signal in signals)
