"""What one dashboard view covers: the clinics and filters a signed-in user asked for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from django.utils.translation import gettext

from analytics.rollups.selectors import RollupFilter


@dataclass(frozen=True)
class ClinicRef:
    id: int
    name: str
    timezone: str


@dataclass(frozen=True)
class ProviderRef:
    id: int
    name: str
    clinic_id: int


@dataclass(frozen=True)
class InterventionRef:
    """An intervention a trend chart marks (in the scope, so the cache key follows edits)."""

    id: int
    on: dt.date
    title: str
    clinic_id: int


@dataclass(frozen=True)
class DashboardScope:
    """Everything the numbers depend on, and so everything the cache key holds.

    ``where`` is the rollup filter of the period in view (its clinics are those of ``clinics``);
    ``clinics`` are only clinics the user may see (the chosen one, or all of theirs), already
    checked by feedback.access; ``providers`` are those clinics' providers, for labels.
    """

    clinics: tuple[ClinicRef, ...]
    providers: tuple[ProviderRef, ...]
    where: RollupFilter
    granularity: str = "week"  # or "month"
    dimension: str = ""  # the dimension the funnel plot compares (the form fills it in)
    ui_language: str = "en"
    min_group_size: int = 10
    low_reliability_n: int = 30
    # The interventions of the clinics in view (see analytics.dashboard.interventions), and the
    # one the manager chose to recalculate the trend limits from.
    interventions: tuple[InterventionRef, ...] = ()
    limits_from: int | None = None

    @property
    def since(self) -> dt.date:
        return self.where.since

    @property
    def until(self) -> dt.date:
        return self.where.until

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def previous(self) -> tuple[dt.date, dt.date]:
        """The period of equal length just before this one."""
        return self.since - dt.timedelta(days=self.days), self.since - dt.timedelta(days=1)

    @property
    def compares_clinics(self) -> bool:
        """Several clinics in view: the funnel compares clinics; one clinic: its providers."""
        return len(self.clinics) > 1

    def rollup_filter(self, *, previous: bool = False) -> RollupFilter:
        """The rollup filter of the period in view, or of the one just before it."""
        if not previous:
            return self.where
        since, until = self.previous
        return replace(self.where, since=since, until=until)

    def clinic_name(self, clinic_id: int) -> str:
        return self._clinic_names[clinic_id]

    @cached_property
    def _clinic_names(self) -> dict[int, str]:
        return {clinic.id: clinic.name for clinic in self.clinics}

    def provider_name(self, provider_id: int | None) -> str:
        if provider_id is None:
            return gettext("No provider recorded")
        names = (p.name for p in self.providers if p.id == provider_id)
        return next(names, gettext("Provider %(id)d") % {"id": provider_id})


def dashboard_scope(
    *,
    cleaned: dict[str, Any],
    clinics: Sequence[Any],
    providers: Sequence[Any],
    ui_language: str,
    min_group_size: int,
    low_reliability_n: int,
    interventions: Sequence[InterventionRef] = (),
) -> DashboardScope:
    """The scope of a valid filter form. ``clinics`` and ``providers`` are what the user may see;
    a chosen provider narrows the view to its clinic."""
    provider_id = cleaned.get("provider")
    clinic_id = cleaned.get("clinic")
    if clinic_id is None and provider_id is not None:
        clinic_id = next(p.clinic_id for p in providers if p.pk == provider_id)
    in_view = [c for c in clinics if clinic_id is None or c.pk == clinic_id]
    ids = {c.pk for c in in_view}
    return DashboardScope(
        clinics=tuple(ClinicRef(c.pk, c.name, c.timezone) for c in in_view),
        providers=tuple(
            ProviderRef(p.pk, p.display_name, p.clinic_id) for p in providers if p.clinic_id in ids
        ),
        where=RollupFilter(
            clinic_ids=tuple(c.pk for c in in_view),
            since=cleaned["start"],
            until=cleaned["end"],
            provider_id=provider_id,
            visit_type=cleaned.get("visit_type") or None,
            channel=cleaned.get("channel") or None,
            language=cleaned.get("language") or None,
        ),
        granularity=cleaned["granularity"],
        dimension=cleaned["dimension"],
        ui_language=ui_language,
        min_group_size=min_group_size,
        low_reliability_n=low_reliability_n,
        interventions=tuple(i for i in interventions if i.clinic_id in ids),
        limits_from=cleaned.get("limits_from"),
    )
