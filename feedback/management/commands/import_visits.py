"""Import visits (and send their invitations) from a CSV file exported by a clinic system."""

import logging
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from feedback.visit_import import (
    COLUMNS,
    VisitFileInvalid,
    visit_csv_rows,
    visit_rows_import,
)


class Command(BaseCommand):
    help = (
        "Create visits and invitations from a UTF-8 CSV file with the columns "
        + ", ".join(COLUMNS)
        + ". Bad rows are listed by line number and skipped; the rest are imported. "
        "Exits with status 1 when the file or any row had an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            rows = visit_csv_rows(file.read_bytes())
        except VisitFileInvalid as exc:
            raise CommandError(f"{file}: {exc}") from None

        # Without a broker the sends run in-process and Celery logs a line per task; keep the
        # terminal for the progress bar (shown on a terminal only) and the error lines.
        trace_logger = logging.getLogger("celery.app.trace")
        level = trace_logger.level
        trace_logger.setLevel(logging.WARNING)
        try:
            with tqdm(total=len(rows), unit="row", file=sys.stderr, disable=None) as bar:
                summary = visit_rows_import(rows=rows, on_row=lambda: bar.update(1))
        finally:
            trace_logger.setLevel(level)

        for line, problem in summary.errors:
            self.stderr.write(f"line {line}: {problem}")
        self.stdout.write(summary.describe())
        if summary.errors:
            raise CommandError(
                f"{len(summary.errors)} rows were skipped because of the errors above; "
                "the other rows were imported."
            )
