"""Export responses to a CSV file, for scheduled jobs: the same rows and rules as the web export."""

import datetime as dt
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from analytics.exports.formats import export_chunks
from analytics.exports.services import ExportRequest, export_audit, export_row_count
from analytics.models import ExportJob
from analytics.rollups.selectors import RollupFilter
from feedback.models import Channel, Clinic, Provider, VisitType, language_codes


class Command(BaseCommand):
    help = (
        "Write responses (one row per response, no patient identifiers) to a UTF-8 CSV file. "
        "Filters as on the dashboard; every run is recorded in the audit log."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True, help="the CSV file to write")
        parser.add_argument(
            "--clinic",
            action="append",
            default=[],
            metavar="SLUG",
            help="a clinic's slug; repeat for several (default: every clinic)",
        )
        parser.add_argument(
            "--since",
            type=dt.date.fromisoformat,
            default=dt.date(2000, 1, 1),
            help="first local day, YYYY-MM-DD",
        )
        parser.add_argument(
            "--until",
            type=dt.date.fromisoformat,
            default=None,
            help="last local day, YYYY-MM-DD (default: today)",
        )
        parser.add_argument(
            "--provider",
            metavar="EXTERNAL_ID",
            help="only this provider (the clinic system's id; needs one --clinic)",
        )
        parser.add_argument("--visit-type", choices=VisitType.values)
        parser.add_argument("--channel", choices=Channel.values)
        parser.add_argument("--language", choices=language_codes())
        parser.add_argument("--comments", action="store_true", help="include patients' comments")
        parser.add_argument(
            "--bom",
            action="store_true",
            help="for Excel on Windows: begin with a UTF-8 byte-order mark so it reads accents",
        )
        parser.add_argument(
            "--full-precision",
            action="store_true",
            help="scores as stored (default: rounded as the dashboard shows them, 72.3)",
        )

    def handle(self, *args, out: Path, **options):
        export = ExportRequest(
            kind=ExportJob.Kind.RESPONSES.value,
            file_format=ExportJob.FileFormat.CSV.value,
            where=self._where(options),
            comments=options["comments"],
            bom=options["bom"],
            full_precision=options["full_precision"],
        )
        total = export_row_count(export=export)
        partial = out.with_name(out.name + ".partial")
        written = 0
        try:
            with (
                partial.open("wb") as file,
                tqdm(total=total, unit="row", file=sys.stderr, disable=None) as bar,
            ):
                for rows, data in export_chunks(export=export):
                    file.write(data)
                    written += rows
                    bar.update(rows)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, out)
        export_audit(actor=None, export=export, rows=written, file=str(out), via="command")
        self.stdout.write(f"{written} responses written to {out}")

    def _where(self, options) -> RollupFilter:
        clinics = Clinic.objects.all()
        if slugs := options["clinic"]:
            clinics = clinics.filter(slug__in=slugs)
            if missing := set(slugs) - set(clinics.values_list("slug", flat=True)):
                raise CommandError(f"No clinic with slug {', '.join(sorted(missing))}")
        clinic_ids = tuple(sorted(clinics.values_list("pk", flat=True)))
        provider_id = None
        if options["provider"]:
            if len(clinic_ids) != 1 or len(options["clinic"]) != 1:
                raise CommandError("--provider needs exactly one --clinic")
            provider = Provider.objects.filter(
                clinic_id=clinic_ids[0], external_id=options["provider"]
            ).first()
            if provider is None:
                raise CommandError(f"No provider {options['provider']} at that clinic")
            provider_id = provider.pk
        return RollupFilter(
            clinic_ids=clinic_ids,
            since=options["since"],
            until=options["until"] or timezone.localdate(),
            provider_id=provider_id,
            visit_type=options["visit_type"],
            channel=options["channel"],
            language=options["language"],
        )
