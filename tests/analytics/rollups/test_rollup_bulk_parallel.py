"""The bulk rebuild outside a transaction: loads and index builds on connections of their own."""

import pytest
from django.db import connection

import analytics.rollups.bulk
from analytics.models import ItemRollup, ResponseRollup
from analytics.rollups.services import dirty_buckets_drain, rollups_rebuild
from feedback.models import DirtyBucket, Response
from tests.analytics.rollups.test_rollups_bulk import (  # noqa: F401 (a fixture)
    bulk_equals_batched,
    rollup_snapshot,
    varied_responses,
)
from tests.analytics.rollups.test_rollups_day import assert_day_rollups_are_the_fine_ones_summed

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def staging_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relname LIKE '%%\\_\\_rebuild%%'")
        return sorted(name for (name,) in cursor.fetchall())


def test_a_parallel_bulk_rebuild_gives_exactly_the_rows_of_the_batched_rebuild(
    varied_responses,  # noqa: F811
):
    assert not connection.in_atomic_block  # else it would load on this connection alone
    bulk_equals_batched()
    assert_day_rollups_are_the_fine_ones_summed()
    assert staging_tables() == []


def test_staging_tables_left_by_a_killed_rebuild_are_dropped_by_the_next(
    varied_responses,  # noqa: F811
):
    rollups_rebuild(bulk=False)
    batched = rollup_snapshot()
    with connection.cursor() as cursor:
        # What a kill after the loads committed leaves: filled staging tables, one indexed.
        cursor.execute(
            "CREATE TABLE analytics_itemrollup__rebuild AS SELECT * FROM analytics_itemrollup"
        )
        cursor.execute(
            "CREATE INDEX analytics_itemrollup__rebuild_1 "
            "ON analytics_itemrollup__rebuild (clinic_id)"
        )
        cursor.execute("CREATE TABLE analytics_responserollup__rebuild (id bigint)")

    rollups_rebuild(bulk=True)

    assert rollup_snapshot() == batched
    assert staging_tables() == []


def test_a_parallel_bulk_rebuild_of_a_range_keeps_the_rows_outside_it(
    varied_responses,  # noqa: F811
):
    rollups_rebuild(bulk=False)
    days = sorted(set(Response.objects.values_list("local_date", flat=True)))
    since, until = days[20], days[60]
    Response.objects.filter(local_date__in=days[15:65:2]).delete()

    rollups_rebuild(since=since, until=until, bulk=True, days_per_batch=9)
    bulk = rollup_snapshot()
    rollups_rebuild(since=since, until=until, bulk=False)

    assert bulk == rollup_snapshot()
    assert ResponseRollup.objects.filter(local_date__in=days[15:20:2]).exists()
    assert_day_rollups_are_the_fine_ones_summed()


def test_a_loading_job_failing_leaves_the_old_rollups_and_no_staging_tables(
    varied_responses,  # noqa: F811 (the imported fixture)
    monkeypatch,
):
    rollups_rebuild(bulk=False)
    before = rollup_snapshot()
    Response.objects.filter(local_date__week_day=3).delete()

    def item_rollups_load(**kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(analytics.rollups.bulk, "item_rollups_load", item_rollups_load)
    with pytest.raises(RuntimeError, match="killed"):
        rollups_rebuild(bulk=True)

    assert rollup_snapshot() == before
    assert staging_tables() == []


def test_drains_skip_while_the_loading_connections_work(varied_responses, monkeypatch):  # noqa: F811
    rollups_rebuild(bulk=False)
    DirtyBucket.objects.all().delete()
    response = Response.objects.order_by("pk").first()
    DirtyBucket.objects.create(clinic_id=response.clinic_id, local_date=response.local_date)
    drained_meanwhile = []
    item_rollups_load = analytics.rollups.bulk.item_rollups_load

    def item_rollups_load_and_drain(**kwargs):
        drained_meanwhile.append(dirty_buckets_drain())  # on this loading thread's connection
        item_rollups_load(**kwargs)

    monkeypatch.setattr(analytics.rollups.bulk, "item_rollups_load", item_rollups_load_and_drain)
    rollups_rebuild(bulk=True)

    assert drained_meanwhile == [0]
    assert DirtyBucket.objects.count() == 1
    assert ItemRollup.objects.exists()
