"""Reads of interventions: a user's list, the dashboard's markers, and their effects."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q, QuerySet

from analytics.interventions.effects import (
    DimensionEffect,
    EffectWindows,
    InterventionEffect,
    effects_of,
    intervention_effects,
)
from analytics.interventions.models import Intervention

__all__ = [
    "DimensionEffect",
    "EffectWindows",
    "InterventionEffect",
    "effects_of",
    "intervention_effects",
    "interventions_for_clinics",
    "interventions_for_trend",
]


def interventions_for_clinics(clinic_ids: Sequence[int]) -> QuerySet[Intervention]:
    """Newest first, with what a list shows."""
    return (
        Intervention.objects.filter(clinic_id__in=list(clinic_ids))
        .select_related("clinic")
        .prefetch_related("providers")
    )


def interventions_for_trend(
    *, clinic_ids: Sequence[int], provider_id: int | None = None
) -> list[Intervention]:
    """What a trend chart of these clinics marks: every intervention, or with one provider in
    view, the whole-clinic ones and those covering that provider. Oldest first."""
    found = Intervention.objects.filter(clinic_id__in=list(clinic_ids)).select_related("clinic")
    if provider_id:
        found = found.filter(Q(providers__isnull=True) | Q(providers=provider_id)).distinct()
    return list(found.order_by("start_date", "pk"))
