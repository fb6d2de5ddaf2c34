"""Importing visits from a clinic system's CSV export: creates visits and their invitations.

Used alike by ``manage.py import_visits`` and the admin's upload page. A file-level problem (not
UTF-8, empty, wrong header) stops the import before anything is written; a bad row is reported
by its line number and skipped while every good row is kept. Re-importing a file is harmless:
a visit is found again by (clinic, visit_id) and a visit has at most one invitation.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from compassion_portal.celery import enqueue_on_commit
from feedback.invitations import (
    SENT_CHANNELS,
    ContactInvalid,
    InvitationRefused,
    contact_problem,
    invitation_create,
)
from feedback.models import Channel, Clinic, Provider, Visit, VisitType, language_codes
from feedback.tasks import invitation_send
from feedback.texts import FALLBACK_LANGUAGE

REQUIRED_COLUMNS = ("visit_id", "clinic", "occurred_at", "channel", "contact")
OPTIONAL_COLUMNS = ("provider_id", "visit_type", "language")
COLUMNS = (
    "visit_id",
    "clinic",
    "provider_id",
    "occurred_at",
    "visit_type",
    "language",
    "channel",
    "contact",
)
# A visit time this far ahead of the server clock is a data error, not clock skew.
FUTURE_TOLERANCE = dt.timedelta(hours=1)


class VisitFileInvalid(ValueError):
    """The file as a whole cannot be imported; nothing was written."""


class VisitRowInvalid(ValueError):
    """One row (or API item) cannot be imported; the message says why."""


@dataclass
class VisitImportSummary:
    rows: int = 0
    created: int = 0
    already_present: int = 0
    skipped_recent: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"{self.rows} rows: {self.created} visits created with invitations, "
            f"{self.already_present} already present, {self.skipped_recent} visits created "
            f"without invitation (contact invited in the last "
            f"{settings.INVITATION_MIN_DAYS_BETWEEN} days), {len(self.errors)} rows with errors."
        )


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]
    # Set when the row cannot even be read as the header's columns.
    problem: str = ""


@dataclass(frozen=True)
class VisitRow:
    clinic: Clinic
    provider: Provider | None
    external_id: str
    occurred_at: dt.datetime
    visit_type: str
    language: str
    channel: str
    contact: str


def visit_csv_rows(raw: bytes) -> list[CsvRow]:
    """Every non-blank data row with its line number (the header is line 1).

    Raises VisitFileInvalid for an empty file, a file that is not UTF-8 (a byte-order mark is
    fine), malformed CSV or a header without exactly the known columns.
    """
    if not raw.removeprefix(b"\xef\xbb\xbf").strip():
        raise VisitFileInvalid("The file is empty.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise VisitFileInvalid(
            f"The file is not UTF-8 text (first unreadable character on line {line}). "
            "Save it as 'CSV UTF-8' and import it again."
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
        columns = _columns_checked(header)
        rows = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(columns):
                problem = f"has {len(values)} values, the header has {len(columns)}"
                rows.append(CsvRow(line=reader.line_num, values={}, problem=problem))
                continue
            values_by_column = dict(zip(columns, values, strict=True))
            rows.append(CsvRow(line=reader.line_num, values=values_by_column))
    except csv.Error as exc:
        raise VisitFileInvalid(f"Line {reader.line_num} is not valid CSV: {exc}.") from None
    return rows


def _columns_checked(header: list[str]) -> list[str]:
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if not (missing or unknown or repeated):
        return header
    problems = []
    if missing:
        problems.append("missing column(s): " + ", ".join(missing))
    if unknown:
        problems.append("unknown column(s): " + ", ".join(name or "(blank)" for name in unknown))
    if repeated:
        problems.append("repeated column(s): " + ", ".join(repeated))
    hint = " Columns must be separated by commas." if len(header) == 1 and ";" in header[0] else ""
    raise VisitFileInvalid(
        "Wrong header: "
        + "; ".join(problems)
        + ". Expected: "
        + ", ".join(COLUMNS)
        + f" (optional: {', '.join(OPTIONAL_COLUMNS)})."
        + hint
    )


class VisitRowParser:
    """Validates rows, caching clinic and provider lookups across the file."""

    def __init__(self, *, now: dt.datetime):
        self.now = now
        self.clinics: dict[str, Clinic | None] = {}
        self.providers: dict[tuple[int, str], Provider | None] = {}

    def clinic(self, slug: str) -> Clinic | None:
        if slug not in self.clinics:
            self.clinics[slug] = Clinic.objects.filter(slug=slug).first()
        return self.clinics[slug]

    def provider(self, clinic: Clinic, external_id: str) -> Provider | None:
        key = (clinic.pk, external_id)
        if key not in self.providers:
            self.providers[key] = Provider.objects.filter(
                clinic=clinic, external_id=external_id
            ).first()
        return self.providers[key]

    def parse(self, row: CsvRow) -> VisitRow:
        if row.problem:
            raise VisitRowInvalid(row.problem)
        value = {name: row.values.get(name, "").strip() for name in COLUMNS}
        problems: list[str] = []
        external_id = value["visit_id"]
        if not external_id:
            problems.append("visit_id is empty")
        elif len(external_id) > 100:
            problems.append("visit_id is longer than 100 characters")
        clinic = self.clinic(value["clinic"]) if value["clinic"] else None
        if clinic is None:
            problems.append(
                f"unknown clinic '{value['clinic']}'" if value["clinic"] else "clinic is empty"
            )
        provider = None
        if clinic is not None and value["provider_id"]:
            provider = self.provider(clinic, value["provider_id"])
            if provider is None:
                problems.append(f"unknown provider_id '{value['provider_id']}' for {clinic.slug}")
        occurred_at = self.occurred_at(value["occurred_at"], clinic, problems)
        visit_type = value["visit_type"].lower() or VisitType.ROUTINE
        if visit_type not in VisitType.values:
            problems.append(
                f"unknown visit type '{value['visit_type']}' (use one of "
                f"{', '.join(VisitType.values)})"
            )
        language = value["language"].lower() or FALLBACK_LANGUAGE
        if language not in language_codes():
            problems.append(
                f"unknown language '{value['language']}' (use one of {', '.join(language_codes())})"
            )
        channel = value["channel"].lower()
        if channel not in Channel.values:
            problems.append(f"unknown channel '{value['channel']}' (use email, sms or qr)")
        elif problem := contact_problem(channel=channel, contact=value["contact"]):
            problems.append(problem)
        if problems:
            raise VisitRowInvalid("; ".join(problems))
        assert clinic is not None and occurred_at is not None
        return VisitRow(
            clinic=clinic,
            provider=provider,
            external_id=external_id,
            occurred_at=occurred_at,
            visit_type=visit_type,
            language=language,
            channel=channel,
            contact=value["contact"],
        )

    def occurred_at(
        self, raw: str, clinic: Clinic | None, problems: list[str]
    ) -> dt.datetime | None:
        """ISO 8601; a time without an offset is the clinic's local time."""
        if not raw:
            problems.append("occurred_at is empty")
            return None
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            problems.append(
                f"bad date '{raw}' in occurred_at (use ISO 8601, e.g. "
                "2026-11-20T14:30 or 2026-11-20T14:30:00-05:00)"
            )
            return None
        if moment.tzinfo is None:
            if clinic is None:
                return None
            moment = moment.replace(tzinfo=clinic.tzinfo)
        if moment > self.now + FUTURE_TOLERANCE:
            problems.append(f"occurred_at '{raw}' is in the future")
            return None
        return moment


def visit_row_store(row: VisitRow, *, now: dt.datetime) -> str:
    """Store one row in its own transaction: "created", "present" or "skipped_recent"."""
    with transaction.atomic():
        visit, created = Visit.objects.get_or_create(
            clinic=row.clinic,
            external_id=row.external_id,
            defaults={
                "provider": row.provider,
                "occurred_at": row.occurred_at,
                "visit_type": row.visit_type,
                "preferred_language": row.language,
            },
        )
        if not created:
            return "present"
        try:
            invitation = invitation_create(
                visit=visit,
                channel=row.channel,
                contact=row.contact,
                language=row.language,
                now=now,
            )
        except InvitationRefused:
            return "skipped_recent"
        if invitation.channel in SENT_CHANNELS:
            enqueue_on_commit(invitation_send, invitation.pk)
        return "created"


def visit_row_import(row: CsvRow, *, parser: VisitRowParser, now: dt.datetime) -> tuple[str, str]:
    """Check and store one row: ("created" | "present" | "skipped_recent", "") or
    ("invalid", why). The one path for a visit from outside: the CSV import and the visits API."""
    try:
        return visit_row_store(parser.parse(row), now=now), ""
    except (VisitRowInvalid, ContactInvalid) as exc:
        return "invalid", str(exc)


def visit_rows_import(
    *,
    rows: Iterable[CsvRow],
    now: dt.datetime | None = None,
    on_row: Callable[[], None] | None = None,
) -> VisitImportSummary:
    """Import parsed rows; each row commits on its own, so good rows survive bad neighbours.

    An existing visit is left as it is ("already present"); a visit whose contact was invited
    recently is stored without an invitation. Each new invitation's message is sent by a task
    enqueued after its row commits.
    """
    now = now or timezone.now()
    parser = VisitRowParser(now=now)
    summary = VisitImportSummary()
    for row in rows:
        summary.rows += 1
        outcome, problem = visit_row_import(row, parser=parser, now=now)
        if outcome == "invalid":
            summary.errors.append((row.line, problem))
        elif outcome == "created":
            summary.created += 1
        elif outcome == "present":
            summary.already_present += 1
        else:
            summary.skipped_recent += 1
        if on_row is not None:
            on_row()
    return summary


def visit_file_import(
    *, raw: bytes, now: dt.datetime | None = None, on_row: Callable[[], None] | None = None
) -> VisitImportSummary:
    """Check and import a whole CSV file given as bytes (raises VisitFileInvalid)."""
    return visit_rows_import(rows=visit_csv_rows(raw), now=now, on_row=on_row)
