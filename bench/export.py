"""Benchmark: the responses export against PostgreSQL's own COPY of the same rows to CSV.

Not a test. Run against a PostgreSQL database it may fill (created if missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench_export .venv/bin/python bench/export.py

The 1,000,000 responses and their scores are generated in SQL by bench/rollups.py's generator.
Prints the export's time, COPY's time for one statement over the same SELECT (and, for scale, a
bare COPY of the responses table), their ratio, and the export's peak memory at a quarter of the
rows and at all of them (flat means bounded). Targets: export >= half of COPY's speed, peak
memory < 250 MB and flat with N.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cp_bench_export")
os.environ.pop("REDIS_URL", None)  # no tasks here
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compassion_portal.settings")

from rollups import CLINICS, data_generate, database_create_if_missing  # noqa: E402

# A comment with what redaction replaces: a title and name, a phone number, a date.
COMMENT = "Dr. Alvarez listened to me. Call me on 555-123-4567 about the 12/03/2026 visit."


def export_to(path: Path, export) -> int:
    from analytics.exports.formats import export_chunks

    rows = 0
    with path.open("wb") as out:
        for count, data in export_chunks(export=export):
            out.write(data)
            rows += count
    return rows


def copy_to(path: Path, cursor, sql: str) -> int:
    with path.open("wb") as out:
        cursor.copy_expert(sql, out)
    return cursor.rowcount


def timed(label: str, run) -> float:
    started = time.perf_counter()
    rows = run()
    elapsed = time.perf_counter() - started
    print(f"{label:<46} {elapsed:7.2f} s  {rows:>9,} rows  {rows / elapsed:>10,.0f} rows/s")
    return elapsed


def peak_memory(label: str, run) -> None:
    tracemalloc.start()
    rows = run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"{label:<46} {rows:>9,} rows  Python peak {peak / 2**20:6.1f} MB  "
        f"process max RSS {maxrss:6.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep data already generated")
    parser.add_argument(
        "--comments-every",
        type=int,
        default=0,
        help="give every Nth response a comment to redact (default: none, as generated)",
    )
    args = parser.parse_args()
    database_create_if_missing(os.environ["DATABASE_URL"])

    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from analytics.exports import responses
    from analytics.exports.services import ExportRequest
    from analytics.rollups.selectors import RollupFilter
    from feedback.models import Clinic, Response
    from feedback.services import instruments_load_shipped

    call_command("migrate", verbosity=0)
    instruments_load_shipped()
    with connection.cursor() as cursor:
        if not (args.reuse and Response.objects.count() == args.responses):
            started = time.perf_counter()
            data_generate(cursor, args.responses)
            elapsed = time.perf_counter() - started
            print(f"generated {args.responses:,} responses in {elapsed:.1f} s")
        cursor.execute(
            "UPDATE feedback_response SET comment = CASE WHEN %s > 0 AND id %% %s = 0"
            " THEN %s ELSE '' END WHERE comment <> (CASE WHEN %s > 0 AND id %% %s = 0"
            " THEN %s ELSE '' END)",
            [*[args.comments_every, max(args.comments_every, 1), COMMENT] * 2],
        )
        with_comments = Response.objects.exclude(comment="").count()
        print(f"{with_comments:,} responses with a comment to redact")

    def request(clinic_ids) -> ExportRequest:
        where = RollupFilter(
            clinic_ids=tuple(clinic_ids), since=dt.date(2000, 1, 1), until=dt.date(2100, 1, 1)
        )
        return ExportRequest(kind="responses", file_format="csv", where=where, comments=True)

    every_clinic = sorted(Clinic.objects.values_list("pk", flat=True))
    full = request(every_clinic)
    quarter = request(every_clinic[: CLINICS // 4])
    columns = responses.response_columns(comments=True)
    where_sql, params = responses._where_sql(full.where, connection)
    with connection.cursor() as cursor, tempfile.TemporaryDirectory() as folder:
        raw = cursor.cursor
        same_select = raw.mogrify(
            responses._copy_sql(columns, where_sql, bounded=False), [0, 0, *params]
        ).decode()
        out = Path(folder) / "out.csv"
        copy_to(out, raw, same_select)  # warm the cache: both timings read the same pages
        bare_table = "COPY feedback_response TO STDOUT WITH (FORMAT csv)"
        bare = timed("COPY feedback_response (bare table)", lambda: copy_to(out, raw, bare_table))
        copy = timed(
            "COPY of the export's own SELECT (one statement)",
            lambda: copy_to(out, raw, same_select),
        )
        copied_bytes = out.stat().st_size
        export = timed("export (export_chunks to a file)", lambda: export_to(out, full))
        print(f"  file {out.stat().st_size / 2**20:.0f} MB (COPY's: {copied_bytes / 2**20:.0f} MB)")
        print(
            f"speed export / COPY of the same rows: {copy / export:.2f} (target >= 0.5); "
            f"vs bare table COPY: {bare / export:.2f}"
        )
        peak_memory("memory, a quarter of the clinics", lambda: export_to(out, quarter))
        peak_memory("memory, every clinic", lambda: export_to(out, full))


if __name__ == "__main__":
    main()
