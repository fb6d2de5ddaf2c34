"""The bulk rebuild (new tables swapped in) against the batched one, and what a kill leaves."""

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from analytics.models import DimensionRollup, ItemRollup, ResponseRollup
from analytics.rollups.services import rollups_rebuild
from feedback.models import Response
from feedback.services import response_submit
from tests.integration.test_faults import _test_database_url, _wait_for_progress

pytestmark = pytest.mark.services

PROJECT = Path(__file__).resolve().parents[3]
NOON_UTC = dt.datetime(2026, 2, 2, 17, 0, tzinfo=dt.UTC)
ROLLUP_MODELS = (ResponseRollup, DimensionRollup, ItemRollup)


def rollup_snapshot() -> dict[str, list[tuple]]:
    snapshot = {}
    for model in ROLLUP_MODELS:
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        snapshot[model.__name__] = sorted(model.objects.values_list(*fields), key=repr)
    return snapshot


def rollup_indexes() -> dict[str, list[tuple[str, str]]]:
    """Each rollup table's index names and definitions, as the migrations made them."""
    with connection.cursor() as cursor:
        found = {}
        for model in ROLLUP_MODELS:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
                [model._meta.db_table],
            )
            found[model._meta.db_table] = cursor.fetchall()
    return found


@pytest.fixture
def varied_responses(instrument, clinic_a, clinic_b, provider_a, full_answers):
    """Two clinics, a provider or none, visit types, channels, languages, gaps and "n/a"s."""
    channels, visit_types, languages = (
        ("email", "sms", "qr"),
        ("", "routine", "urgent"),
        ("en", "es"),
    )
    for day in range(100):
        for k in range(1 + day % 3):
            likert = 1 + (day + k) % 5
            answers = {
                item: (day + k) % 11 if item == "recommend" else likert for item in full_answers
            }
            if k == 1:
                answers["empathy_feelings"] = None
            if day % 7 == 3:
                answers.update(time_enough=None, time_rushed=None)  # time left unscored
            response_submit(
                instrument=instrument,
                clinic=clinic_a if (day + k) % 4 else clinic_b,
                answers=answers,
                language=languages[k % 2],
                channel=channels[day % 3],
                visit_type=visit_types[(day + k) % 3],
                provider=provider_a if (day + k) % 4 and k != 2 else None,
                now=NOON_UTC + dt.timedelta(days=day, hours=k),
            )


def bulk_equals_batched() -> dict[str, list[tuple]]:
    """Rebuild in batches, spoil a value, rebuild in bulk: the rows must be the batched ones."""
    indexes_before = rollup_indexes()
    rollups_rebuild(bulk=False)
    batched = rollup_snapshot()
    # Stale values must be replaced, not kept.
    ResponseRollup.objects.update(responses=999)

    rollups_rebuild(bulk=True)

    assert rollup_snapshot() == batched
    # The swapped-in tables carry the same indexes under the same names.
    assert rollup_indexes() == indexes_before
    return batched


@pytest.mark.django_db
def test_bulk_rebuild_gives_exactly_the_rows_of_the_batched_rebuild(varied_responses):
    batched = bulk_equals_batched()
    assert len(batched["ItemRollup"]) > len(batched["DimensionRollup"]) > 100
    # The unique key holds on the swapped-in tables.
    rollups_rebuild(bulk=True)
    assert rollup_snapshot() == batched


@pytest.mark.django_db
def test_bulk_rebuild_of_a_range_keeps_the_rows_outside_it(varied_responses):
    rollups_rebuild(bulk=False)
    days = sorted(set(Response.objects.values_list("local_date", flat=True)))
    since, until = days[20], days[60]
    Response.objects.filter(local_date__in=days[15:65:2]).delete()
    outside_untouched = rollup_snapshot()

    rollups_rebuild(since=since, until=until, bulk=True, days_per_batch=9)
    bulk = rollup_snapshot()
    rollups_rebuild(since=since, until=until, bulk=False)

    assert bulk == rollup_snapshot()
    assert bulk != outside_untouched
    deleted_outside = days[15:20:2]  # still in the rollups: outside the range rebuilt
    assert ResponseRollup.objects.filter(local_date__in=deleted_outside).exists()


@pytest.mark.django_db
def test_a_bulk_rebuild_failing_midway_leaves_the_old_rollups_whole(varied_responses):
    rollups_rebuild(bulk=False)
    before = rollup_snapshot()
    Response.objects.filter(local_date__week_day=3).delete()

    def fail_after_ten_days(done: int, total: int) -> None:
        if done >= 10:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        rollups_rebuild(bulk=True, days_per_batch=1, progress=fail_after_ten_days)

    assert rollup_snapshot() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE '%%__rebuild%%'")
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_a_bulk_rebuild_killed_midway_leaves_the_old_rollups_and_a_rerun_the_new(varied_responses):
    rollups_rebuild(bulk=False)
    before = rollup_snapshot()
    Response.objects.filter(local_date__week_day=3).delete()
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    command = [sys.executable, "manage.py", "rebuild_rollups", "--days-per-batch", "1"]

    rebuild = subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _wait_for_progress(rebuild, at_least_days=10)
    rebuild.send_signal(signal.SIGKILL)
    assert rebuild.wait(10) == -signal.SIGKILL
    assert rollup_snapshot() == before  # all old rows: none replaced, none lost

    rerun = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    after_rerun = rollup_snapshot()
    rollups_rebuild(bulk=False)
    assert after_rerun == rollup_snapshot() != before
