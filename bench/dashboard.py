"""Benchmark: server time of the dashboard at 10k, 100k and 1,000,000 responses, in one run.

Not a test. Run against a PostgreSQL database it may fill (created if missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_dash_bench \
        .venv/bin/python bench/dashboard.py

For each size, raw responses and their scores are generated in SQL by bench/rollups.py's
generator (20 clinics, 200 providers, two years), one visit and invitation per response plus one
unanswered invitation per two responses are added, and the rollups are built by the real
rollups_rebuild. Then the dashboard view is timed in-process through Django's test Client (the
whole request: middleware, session, queries, figure building, template), for an admin (all 20
clinics compared) and a one-clinic manager, over 90 days by week and 365 days by month:

- cold: empty cache, in a process that has served a request before (a new worker's very first
  request also imports the views, loads the URL configuration and compiles the templates, once;
  that is printed on its own);
- after rebuild: the rollup version just bumped (what follows every drain of new responses);
- warm: the page cached for this scope and version.

Target: under 150 ms at 1M and flat with N.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cp_dash_bench")
os.environ.pop("REDIS_URL", None)  # in-process cache (locmem), no broker
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compassion_portal.settings")

SIZES = (10_000, 100_000, 1_000_000)
DATA_END = "2025-12-31"  # bench/rollups.py spreads responses over 2024-01-01 + 730 days
VIEWS = {
    "90 days, weekly": {"period": "custom", "start": "2025-10-03", "end": DATA_END},
    "365 days, monthly": {
        "period": "custom",
        "start": "2025-01-01",
        "end": DATA_END,
        "granularity": "month",
    },
}
WARM_RUNS = 15
AFTER_REBUILD_RUNS = 5


def invitations_generate(cursor) -> None:
    """A visit and an answered invitation per response, and an unanswered one per two."""
    cursor.execute(
        """
        INSERT INTO feedback_visit (clinic_id, provider_id, external_id, occurred_at, visit_type,
            preferred_language, created_at)
        SELECT clinic_id, provider_id, kind || id, submitted_at - interval '2 hours',
            COALESCE(NULLIF(visit_type, ''), 'routine'), language, now()
        FROM feedback_response, (VALUES ('R'), ('U')) k(kind)
        WHERE kind = 'R' OR id % 2 = 0
        """
    )
    cursor.execute(
        """
        INSERT INTO feedback_invitation (visit_id, channel, language, token_salt, token_hash,
            contact, contact_hash, created_at, expires_at, sent_at, sent_local_date, used_at)
        SELECT v.id, 'email', v.preferred_language, '', md5(v.external_id), '', '', v.occurred_at,
            v.occurred_at + interval '30 days', v.occurred_at + interval '1 hour',
            ((v.occurred_at + interval '1 hour') AT TIME ZONE c.timezone)::date,
            CASE WHEN v.external_id LIKE 'R%%' THEN v.occurred_at + interval '2 hours' END
        FROM feedback_visit v JOIN feedback_clinic c ON c.id = v.clinic_id
        """
    )
    cursor.execute("ANALYZE")


def timed_request(client, params) -> float:
    started = time.perf_counter()
    response = client.get("/dashboard/", params)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed


def measure(client, params) -> dict[str, float]:
    from django.core.cache import cache

    from analytics.rollups.versions import rollup_versions_bump

    cache.clear()
    cold = timed_request(client, params)
    after_rebuild = []
    for _ in range(AFTER_REBUILD_RUNS):
        rollup_versions_bump()
        after_rebuild.append(timed_request(client, params))
    warm = [timed_request(client, params) for _ in range(WARM_RUNS)]
    return {
        "cold": cold,
        "after rebuild": statistics.median(after_rebuild),
        "warm": statistics.median(warm),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep data already generated when only one size is asked for and "
        "the database holds it (the rollups are rebuilt all the same)",
    )
    args = parser.parse_args()

    from rollups import data_generate, database_create_if_missing

    database_create_if_missing(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from analytics.models import DimensionDayRollup, DimensionRollup, ResponseRollup
    from analytics.rollups.services import rollups_rebuild
    from feedback.models import Clinic, ClinicMembership
    from feedback.services import instruments_load_shipped

    call_command("migrate", verbosity=0)
    instruments_load_shipped()
    admin, _ = User.objects.get_or_create(username="bench-admin", is_superuser=True)
    manager, _ = User.objects.get_or_create(username="bench-manager")
    results = []
    first_request = None
    for size in args.sizes:
        started = time.perf_counter()
        from feedback.models import Response

        if not (args.reuse and len(args.sizes) == 1 and Response.objects.count() == size):
            with connection.cursor() as cursor:
                data_generate(cursor, size)
                invitations_generate(cursor)
        rollups_rebuild()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        ClinicMembership.objects.get_or_create(
            user=manager, clinic=Clinic.objects.order_by("pk").first()
        )
        elapsed = time.perf_counter() - started
        print(
            f"{size:>9,} responses: generated and rolled up in {elapsed:.0f} s;"
            f" rollup rows: {ResponseRollup.objects.count():,} response,"
            f" {DimensionRollup.objects.count():,} dimension,"
            f" {DimensionDayRollup.objects.count():,} dimension-day",
            flush=True,
        )
        for who, user in (("admin, 20 clinics", admin), ("manager, 1 clinic", manager)):
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            if first_request is None:
                first_request = timed_request(client, {})
                print(f"    a new worker's first request: {first_request:.1f} ms", flush=True)
            for view, params in VIEWS.items():
                timings = measure(client, params)
                results.append((size, who, view, timings))
                print(
                    f"    {who:<18} {view:<18} "
                    + "  ".join(f"{k} {v:6.1f} ms" for k, v in timings.items()),
                    flush=True,
                )
    print("\nserver time in ms (median; cold is one request after clearing the cache)")
    print(f"{'responses':>10}  {'who':<18} {'view':<18} {'cold':>7} {'rebuild':>8} {'warm':>6}")
    for size, who, view, t in results:
        print(
            f"{size:>10,}  {who:<18} {view:<18} {t['cold']:7.1f} {t['after rebuild']:8.1f}"
            f" {t['warm']:6.1f}"
        )


if __name__ == "__main__":
    main()
