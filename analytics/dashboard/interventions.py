"""Interventions on the dashboard: the "recalculate limits from" filter and the trend markers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from analytics.charts import Intervention
from analytics.dashboard.scope import DashboardScope, InterventionRef


def intervention_refs(interventions: Iterable) -> tuple[InterventionRef, ...]:
    """Intervention rows as the scope keeps them (oldest first)."""
    return tuple(
        InterventionRef(i.pk, i.start_date, i.title, i.clinic_id)
        for i in sorted(interventions, key=lambda i: (i.start_date, i.pk))
    )


def limits_from_field_add(form: forms.Form, refs: Sequence[InterventionRef]) -> None:
    """Offer "Recalculate limits from: <intervention>" when there is an intervention in view."""
    if not refs:
        return
    form.fields["limits_from"] = forms.TypedChoiceField(
        label=_("Recalculate limits from"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("No split (one baseline)")),
            *((ref.id, f"{ref.title} ({ref.on.isoformat()})") for ref in reversed(refs)),
        ],
        help_text=_("The trend charts' limits are computed again from this intervention on."),
    )


def trend_interventions(scope: DashboardScope) -> tuple[list[Intervention], dt.date | None]:
    """The markers of the trend charts (interventions starting in the period; with several
    clinics in view the hover text and table name the clinic) and where the limits split."""
    several = len(scope.clinics) > 1
    markers = [
        Intervention(ref.on, ref.title, scope.clinic_name(ref.clinic_id) if several else "")
        for ref in scope.interventions
        if scope.since <= ref.on <= scope.until
    ]
    chosen = next((ref for ref in scope.interventions if ref.id == scope.limits_from), None)
    split = chosen.on if chosen is not None and scope.since < chosen.on <= scope.until else None
    return markers, split


def interventions_in_view(scope: DashboardScope) -> list[InterventionRef]:
    """For the links under the trend charts."""
    return [ref for ref in scope.interventions if scope.since <= ref.on <= scope.until]
