"""manage.py rebuild_rollups [--since DATE] [--until DATE]: recompute rollups from raw scores."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analytics.rollups.services import BULK_MIN_DAYS, REBUILD_DAYS_PER_BATCH, rollups_rebuild


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from error


class Command(BaseCommand):
    help = (
        "Rebuild rollups for a date range (default: all data) in SQL. On PostgreSQL a range of "
        f"{BULK_MIN_DAYS} days or more is built into new tables and swapped in at the end (one "
        "transaction); shorter ranges and SQLite go a batch of days at a time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_date, help="first local date (inclusive)")
        parser.add_argument("--until", type=_date, help="last local date (inclusive)")
        parser.add_argument(
            "--days-per-batch",
            type=int,
            help=f"days recomputed per transaction (default {REBUILD_DAYS_PER_BATCH}), or per "
            "loading step of a bulk rebuild (default: the whole range in one step)",
        )
        parser.add_argument(
            "--batched",
            action="store_false",
            dest="bulk",
            default=None,
            help="never swap in new tables: batches of days, one transaction each",
        )

    def handle(self, *args, since=None, until=None, days_per_batch=None, bulk=None, **opts):
        if since and until and since > until:
            raise CommandError("--since is after --until")
        if days_per_batch is not None and days_per_batch < 1:
            raise CommandError("--days-per-batch must be at least 1")
        with tqdm(total=0, unit="day", disable=opts["verbosity"] == 0, file=self.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            days = rollups_rebuild(
                since=since,
                until=until,
                days_per_batch=days_per_batch,
                progress=progress,
                bulk=bulk,
            )
        self.stdout.write(f"Rebuilt rollups for {days} day(s).")
