"""Reads for the FHIR export: a page of a token's clinics' patient responses, oldest first."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from feedback.models import Clinic, Instrument, Response


def _staff_instruments() -> QuerySet[Instrument]:
    # Filtered positively: a definition without "audience" (patients) must not drop out, as it
    # would with exclude(definition__audience=...) on a missing JSON key.
    return Instrument.objects.filter(definition__audience="staff").values("pk")


def fhir_responses(*, clinics: QuerySet[Clinic], since: dt.datetime | None) -> QuerySet[Response]:
    """Patient responses of these clinics submitted at or after ``since``.

    Staff wellbeing pulse answers are left out: they are shown only per clinic above a minimum
    group size (METHODS.md), and one exported row per staff member would undo that.
    """
    responses = Response.objects.filter(clinic__in=clinics, pulse_round__isnull=True).exclude(
        instrument__in=_staff_instruments()
    )
    if since is not None:
        responses = responses.filter(submitted_at__gte=since)
    return responses


def fhir_responses_page(
    responses: QuerySet[Response], *, after_id: int, page_size: int
) -> tuple[list[Response], bool]:
    """Up to ``page_size`` responses with an id above ``after_id`` (keyset paging: a response
    stored while a client pages never shifts a page), and whether more remain."""
    rows = list(
        responses.filter(pk__gt=after_id)
        .select_related("clinic", "instrument")
        .order_by("pk")[: page_size + 1]
    )
    return rows[:page_size], len(rows) > page_size


def instrument_for_fhir(slug: str, version: int | None) -> Instrument | None:
    """The patient instrument by slug: that version, else the newest active one."""
    instruments = Instrument.objects.filter(slug=slug).exclude(pk__in=_staff_instruments())
    if version is not None:
        return instruments.filter(version=version).first()
    return instruments.filter(is_active=True).order_by("-version").first()
