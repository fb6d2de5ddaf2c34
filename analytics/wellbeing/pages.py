"""What the wellbeing pages show: one clinic's rounds, the cross-clinic scatter, the CSV rows.

Reads go through analytics.wellbeing.selectors (sums in SQL); suppression and intervals through
the pure analytics.wellbeing.summaries; figures through analytics.charts.wellbeing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, ngettext

from analytics.charts.wellbeing import clinic_scatter_figure, wellbeing_rounds_figure
from analytics.stats import Moments, is_suppressed, mean_summary, suppression_label
from analytics.wellbeing.selectors import (
    PATIENT_DIMENSIONS,
    patient_moments_for_round,
    pulse_round_moments,
    pulse_round_respondents,
    pulse_round_role_groups,
    pulse_rounds_of_clinics,
)
from analytics.wellbeing.summaries import (
    ClinicScatter,
    RoundFacts,
    RoundSummary,
    clinic_scatter,
    round_summaries,
)
from feedback.instrument_definition import InstrumentDefinition
from feedback.models import Clinic
from feedback.pulse import STAFF_INSTRUMENT_SLUG
from feedback.services import instrument_current, instrument_definition, instrument_slug_of
from feedback.texts import text_in

ROUNDS_SHOWN = 8  # the latest rounds on the page; the CSV holds them all


@dataclass(frozen=True)
class Labels:
    staff: dict[str, str]  # wellbeing dimension id -> label, in the instrument's order
    patients: dict[str, str]
    headline: str


def dimension_labels(clinic: Clinic | None, language: str) -> Labels:
    staff_definition = instrument_definition(instrument_current(STAFF_INSTRUMENT_SLUG))
    slug = instrument_slug_of(clinic) if clinic is not None else None
    patient_definition = instrument_definition(instrument_current(slug))
    return Labels(
        staff=_labels(staff_definition, language),
        patients={
            d: label
            for d, label in _labels(patient_definition, language).items()
            if d in PATIENT_DIMENSIONS
        },
        headline=staff_definition.headline_dimension,
    )


def _labels(definition: InstrumentDefinition, language: str) -> dict[str, str]:
    return {d.id: text_in(d.label, language) for d in definition.dimensions}


def clinic_round_summaries(
    clinic: Clinic, *, labels: Labels, staff_min: int, patient_min: int
) -> list[RoundSummary]:
    """Every round of the clinic, oldest first, suppressed and compared with the one before."""
    rounds = pulse_rounds_of_clinics([clinic.pk])
    ids = [r.pk for r in rounds]
    respondents, moments = pulse_round_respondents(ids), pulse_round_moments(ids)
    group_sizes, group_moments = pulse_round_role_groups(ids, dimension=labels.headline)
    facts = [
        RoundFacts(
            r.pk,
            r.opens_on,
            r.closes_on,
            respondents.get(r.pk, 0),
            moments.get(r.pk, {}),
            patient_moments_for_round(r),
            group_sizes.get(r.pk, {}),
            group_moments.get(r.pk, {}),
        )
        for r in rounds
    ]
    return round_summaries(
        facts,
        staff_dimensions=list(labels.staff),
        patient_dimensions=list(labels.patients),
        staff_min_group_size=staff_min,
        patient_min_group_size=patient_min,
    )


def round_label(summary: RoundSummary) -> str:
    return f"{summary.opens_on:%Y-%m-%d} – {summary.closes_on:%Y-%m-%d}"


def clinic_rounds_figure(
    summaries: Sequence[RoundSummary], *, labels: Labels, title: str
) -> dict[str, Any]:
    return wellbeing_rounds_figure(
        title=title,
        # The closing day: short enough for a phone's axis; the tables give both dates.
        round_labels=[f"{s.closes_on:%Y-%m-%d}" for s in summaries],
        staff={
            labels.staff[d]: [s.staff[i].summary for s in summaries]
            for i, d in enumerate(labels.staff)
        },
        patients={
            labels.patients[d]: [s.patients[i].summary for s in summaries]
            for i, d in enumerate(labels.patients)
        },
    )


def latest_rounds_scatter(
    clinics: Sequence[Clinic],
    *,
    staff_min: int,
    patient_min: int,
    until: dt.date | None = None,
) -> tuple[ClinicScatter, list[Clinic]]:
    """Each clinic's latest round (opened by ``until``, if given): its headline dimension
    against its patients' empathy over that round's dates; also the clinics without a round."""
    rounds = pulse_rounds_of_clinics([c.pk for c in clinics], opened_by=until)
    latest = {r.clinic_id: r for r in rounds}  # ordered oldest first: the last one wins
    moments = pulse_round_moments([r.pk for r in latest.values()])
    headline = instrument_definition(instrument_current(STAFF_INSTRUMENT_SLUG)).headline_dimension
    rows = []
    for clinic in clinics:
        if (pulse_round := latest.get(clinic.pk)) is None:
            continue
        staff = moments.get(pulse_round.pk, {}).get(headline, Moments())
        patients = patient_moments_for_round(pulse_round).get("empathy", Moments())
        rows.append((clinic.pk, clinic.name, staff, patients))
    scatter = clinic_scatter(
        rows, staff_min_group_size=staff_min, patient_min_group_size=patient_min
    )
    return scatter, [c for c in clinics if c.pk not in latest]


def scatter_figure(scatter: ClinicScatter, *, x_title: str, y_title: str) -> dict:
    return clinic_scatter_figure(
        x_title=x_title,
        y_title=y_title,
        points=[(p.name, p.staff, p.patients) for p in scatter.points],
    )


ROUND_CSV_COLUMNS = [
    "clinic",
    "round_opens_on",
    "round_closes_on",
    "group",
    "dimension",
    "respondents",
    "n",
    "mean",
    "mean_ci_lower",
    "mean_ci_upper",
    "change_from_previous_round",
    "note",
]


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def round_csv_rows(
    clinic: Clinic,
    summaries: Sequence[RoundSummary],
    *,
    staff_min: int,
    patient_min: int,
    headline: str = "burnout",
) -> Iterator[list[Any]]:
    """Aggregates only: per round and dimension; hidden cells empty, with the reason (English,
    as other exports: they are data)."""
    for summary in summaries:
        band = f"fewer than {staff_min}"
        respondents = summary.respondents if summary.shown else band
        for group, cells, min_n in (
            ("staff", summary.staff, staff_min),
            ("patients", summary.patients, patient_min),
        ):
            for cell in cells:
                s = cell.summary
                yield [
                    clinic.slug,
                    summary.opens_on.isoformat(),
                    summary.closes_on.isoformat(),
                    group,
                    cell.dimension,
                    respondents if group == "staff" else None,
                    s.n if s else None,
                    _number(s.mean) if s else None,
                    _number(s.lower) if s else None,
                    _number(s.upper) if s else None,
                    _number(cell.change),
                    suppression_label(cell.hidden, min_group_size=min_n) if cell.hidden else "",
                ]
        for group in summary.groups:
            s = group.summary
            yield [
                clinic.slug,
                summary.opens_on.isoformat(),
                summary.closes_on.isoformat(),
                f"staff role group: {group.group or 'not recorded'}",
                headline,
                None,
                group.n,
                _number(s.mean) if s else None,
                _number(s.lower) if s else None,
                _number(s.upper) if s else None,
                None,
                suppression_label(group.hidden, min_group_size=staff_min) if group.hidden else "",
            ]


def report_wellbeing_lines(
    clinics: Sequence[Clinic],
    *,
    month_first: dt.date,
    month_last: dt.date,
    language: str,
    staff_min: int,
) -> list[str] | None:
    """The monthly report's staff wellbeing section: each round that closed in the month, its
    headline dimension with its interval, or only the count band; None when no round closed."""
    rounds = [
        r
        for r in pulse_rounds_of_clinics([c.pk for c in clinics])
        if month_first <= r.closes_on <= month_last
    ]
    if not rounds:
        return None
    labels = dimension_labels(None, language)
    measure = labels.staff.get(labels.headline, labels.headline)
    ids = [r.pk for r in rounds]
    respondents, moments = pulse_round_respondents(ids), pulse_round_moments(ids)
    lines = []
    for pulse_round in rounds:
        n = respondents.get(pulse_round.pk, 0)
        headline = moments.get(pulse_round.pk, {}).get(labels.headline, Moments())
        where = {
            "clinic": pulse_round.clinic.name,
            "dates": f"{pulse_round.opens_on:%Y-%m-%d} – {pulse_round.closes_on:%Y-%m-%d}",
        }
        if is_suppressed(n, min_group_size=staff_min) or headline.n < staff_min:
            band = ngettext(
                "fewer than %(n)d response", "fewer than %(n)d responses", staff_min
            ) % {"n": staff_min}
            lines.append(
                gettext("%(clinic)s, round %(dates)s: not shown (%(band)s)")
                % {
                    **where,
                    "band": band,
                }
            )
            continue
        summary = mean_summary(headline)
        lines.append(
            gettext(
                "%(clinic)s, round %(dates)s: %(measure)s %(value).1f "
                "(95%% interval %(lower).1f to %(upper).1f), %(n)d staff responses"
            )
            % {
                **where,
                "measure": measure,
                "value": summary.mean,
                "lower": summary.lower,
                "upper": summary.upper,
                "n": n,
            }
        )
    return lines
