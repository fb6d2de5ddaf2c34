"""Staff pages of the wellbeing pulse: per-clinic rounds, the admins' scatter, the round CSV,
and a manager's page to open a round. Every clinic is fetched through feedback.access (404)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from analytics.charts.figure_style import hidden_note
from analytics.dashboard.plotly_locale import plotly_locale
from analytics.exports.csv_writer import csv_encoded, csv_header
from analytics.wellbeing.exports import round_export_audit
from analytics.wellbeing.forms import PulseRoundOpenForm, ScatterRoundsForm
from analytics.wellbeing.pages import (
    ROUND_CSV_COLUMNS,
    ROUNDS_SHOWN,
    clinic_round_summaries,
    clinic_rounds_figure,
    dimension_labels,
    latest_rounds_scatter,
    round_csv_rows,
    round_label,
    scatter_figure,
)
from feedback.access import clinic_for_user, clinics_for_user
from feedback.pulse import RoundClosed, pulse_round_open_and_invite, pulse_shared_url


def _staff_band() -> str:
    n = settings.STAFF_MIN_GROUP_SIZE
    return ngettext("fewer than %(n)d response", "fewer than %(n)d responses", n) % {"n": n}


@never_cache
@login_required
@require_GET
def wellbeing_home(request: HttpRequest) -> HttpResponse:
    """The clinic chooser; straight to the clinic when there is only one."""
    clinics = list(clinics_for_user(request.user).order_by("name"))
    if len(clinics) == 1:
        return redirect("analytics:wellbeing_clinic", clinic_id=clinics[0].pk)
    return render(request, "analytics/wellbeing/choose.html", {"clinics": clinics})


@never_cache
@login_required
@require_GET
def wellbeing_clinic(request: HttpRequest, clinic_id: int) -> HttpResponse:
    clinic = clinic_for_user(request.user, clinic_id, request=request)
    labels = dimension_labels(clinic, get_language() or "en")
    summaries = clinic_round_summaries(
        clinic,
        labels=labels,
        staff_min=settings.STAFF_MIN_GROUP_SIZE,
        patient_min=settings.MIN_GROUP_SIZE,
    )[-ROUNDS_SHOWN:]
    rows = [
        {
            "summary": s,
            "label": round_label(s),
            "staff": [
                (labels.staff[c.dimension], c, _note(c, settings.STAFF_MIN_GROUP_SIZE))
                for c in s.staff
            ],
            "patients": [
                (labels.patients[c.dimension], c, _note(c, settings.MIN_GROUP_SIZE))
                for c in s.patients
            ],
            "groups": [(g, _note(g, settings.STAFF_MIN_GROUP_SIZE)) for g in s.groups],
        }
        for s in reversed(summaries)
    ]
    figure = (
        clinic_rounds_figure(
            summaries,
            labels=labels,
            title="",  # the section's heading names it
        )
        if any(s.shown for s in summaries)
        else None
    )
    context = {
        "clinic": clinic,
        "rows": rows,
        "figure": figure,
        "staff_band": _staff_band(),
        "headline_label": labels.staff.get(labels.headline, labels.headline),
        "staff_min": settings.STAFF_MIN_GROUP_SIZE,
        "patient_min": settings.MIN_GROUP_SIZE,
        "plotly_locale": plotly_locale(),
    }
    return render(request, "analytics/wellbeing/clinic.html", context)


def _note(cell, min_group_size: int) -> str:
    return hidden_note(cell.hidden, min_group_size=min_group_size)


@never_cache
@login_required
@require_GET
def wellbeing_clinics_scatter(request: HttpRequest) -> HttpResponse:
    """Admins only: staff wellbeing against patients' empathy, one point per clinic."""
    if not request.user.is_superuser:
        raise Http404("No such page.")
    form = ScatterRoundsForm(request.GET)
    if not form.is_valid():
        return render(request, "analytics/wellbeing/scatter.html", {"form": form}, status=400)
    clinics = list(clinics_for_user(request.user).order_by("name"))
    scatter, without_round = latest_rounds_scatter(
        clinics,
        staff_min=settings.STAFF_MIN_GROUP_SIZE,
        patient_min=settings.MIN_GROUP_SIZE,
        until=form.cleaned_data["until"],
    )
    labels = dimension_labels(None, get_language() or "en")
    x_title = labels.staff.get(labels.headline, labels.headline) + " " + gettext("(staff)")
    y_title = labels.patients.get("empathy", "empathy") + " " + gettext("(patients)")
    context = {
        "form": form,
        "scatter": scatter,
        "without_round": without_round,
        "x_title": x_title,
        "y_title": y_title,
        "figure": scatter_figure(
            scatter,
            x_title=x_title,
            y_title=y_title,
        )
        if scatter.points
        else None,
        "staff_min": settings.STAFF_MIN_GROUP_SIZE,
        "patient_min": settings.MIN_GROUP_SIZE,
        "plotly_locale": plotly_locale(),
    }
    return render(request, "analytics/wellbeing/scatter.html", context)


@never_cache
@login_required
@require_GET
def wellbeing_rounds_csv(request: HttpRequest, clinic_id: int) -> HttpResponse:
    """The round aggregates of one clinic (no response rows), audited as an export."""
    clinic = clinic_for_user(request.user, clinic_id, request=request)
    labels = dimension_labels(clinic, "en")
    staff_min, patient_min = settings.STAFF_MIN_GROUP_SIZE, settings.MIN_GROUP_SIZE
    summaries = clinic_round_summaries(
        clinic, labels=labels, staff_min=staff_min, patient_min=patient_min
    )
    rows = list(
        round_csv_rows(
            clinic,
            summaries,
            staff_min=staff_min,
            patient_min=patient_min,
            headline=labels.headline,
        )
    )
    file_name = f"pulse-rounds-{clinic.slug}.csv"
    round_export_audit(actor=request.user, clinic=clinic, rows=len(rows), file=file_name)
    response = HttpResponse(
        csv_header(ROUND_CSV_COLUMNS, bom=True) + csv_encoded(rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pulse_round_new(request: HttpRequest, clinic_id: int) -> HttpResponse:
    """A manager opens a round for their clinic and pastes the staff list."""
    clinic = clinic_for_user(request.user, clinic_id, request=request)
    # "Today" is the clinic's: a round opens and closes on the clinic's calendar days.
    today = timezone.localtime(timezone.now(), clinic.tzinfo).date()
    form = PulseRoundOpenForm(request.POST if request.method == "POST" else None, today=today)
    if form.is_valid():
        data = form.cleaned_data
        try:
            pulse_round, invitations = pulse_round_open_and_invite(
                clinic=clinic,
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                created_by=request.user,
                emails=data["staff_emails"],
                shared_link=data["shared_link"],
                support_text=data["support_text"],
                support_links=data["support_links"],
            )
        except RoundClosed:  # the clinic's day turned between the form and the round
            form.add_error(
                "opens_on",
                gettext(
                    "Links can only be sent once the round is open: open it today, or leave "
                    "the staff list empty."
                ),
            )
            return render(
                request,
                "analytics/wellbeing/round_new.html",
                {"clinic": clinic, "form": form},
                status=400,
            )
        messages.success(
            request,
            ngettext(
                "Round opened; %(n)d staff link sent.",
                "Round opened; %(n)d staff links sent.",
                len(invitations),
            )
            % {"n": len(invitations)},
        )
        if pulse_round.shared_link_salt:
            messages.info(
                request,
                gettext("Shared link for the whole clinic (shown once): %(url)s")
                % {"url": pulse_shared_url(pulse_round)},
            )
        return redirect("analytics:wellbeing_clinic", clinic_id=clinic.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "analytics/wellbeing/round_new.html",
        {"clinic": clinic, "form": form},
        status=status,
    )
