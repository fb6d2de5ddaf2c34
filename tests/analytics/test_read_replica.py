"""With a replica configured, dashboard and export reads go to it; writes, access checks and
rollup recomputes never do. "replica" is a second alias on the test database (tests/conftest.py),
so which alias ran a query shows where it would have gone."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.exports.services import export_job_request, export_job_run
from analytics.read_replica import replica_reads
from analytics.rollups.services import dirty_buckets_drain
from feedback.models import Response
from feedback.rollup_buckets import rollup_buckets_mark_dirty
from tests.analytics.dashboard.test_dashboard_access import PERIOD, respond
from tests.analytics.exports.test_exports import responses_request

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica_routed(settings):
    settings.DATABASE_ROUTERS = ["analytics.read_replica.ReplicaRouter"]


def _sql(captured) -> str:
    return "\n".join(query["sql"] for query in captured.captured_queries)


def test_the_dashboards_figures_are_read_on_the_replica_and_access_on_the_primary(
    replica_routed, client, manager_a, instrument, clinic_a
):
    respond(instrument, clinic_a, 12)
    client.force_login(manager_a)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        page = client.get(reverse("analytics:dashboard"), PERIOD)

    assert page.status_code == 200
    assert "analytics_dimension" in _sql(replica)  # the rollups behind every figure
    assert "analytics_dimension" not in _sql(primary)
    assert "feedback_clinicmembership" in _sql(primary)  # who may see what: never lagging
    assert "feedback_clinicmembership" not in _sql(replica)


def test_an_export_jobs_rows_are_read_on_the_replica_and_its_job_row_written_on_the_primary(
    replica_routed, manager_a, instrument, clinic_a, settings, tmp_path
):
    settings.EXPORT_ROOT = tmp_path
    respond(instrument, clinic_a, 3)
    job = export_job_request(user=manager_a, export=responses_request([clinic_a]))
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        job = export_job_run(job_id=str(job.pk))

    assert job.status == "done" and job.rows_done == 3
    assert "row_number() OVER" in _sql(replica)  # the chunk bounds of the responses' COPY
    assert "feedback_response" not in _sql(primary)
    assert "UPDATE" in _sql(primary) and "UPDATE" not in _sql(replica)
    assert "analytics_exportjob" not in _sql(replica)


def test_writes_and_rollup_recomputes_stay_on_the_primary_even_inside_replica_reads(
    replica_routed, instrument, clinic_a
):
    respond(instrument, clinic_a, 2)
    rollup_buckets_mark_dirty(clinic_a, Response.objects.first().local_date)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
        replica_reads(),
    ):
        assert dirty_buckets_drain() == 1
        assert Response.objects.using("default").count() == 2

    assert replica.captured_queries == []
    assert "INSERT INTO" in _sql(primary)


def test_without_the_router_everything_stays_on_the_primary(
    client, manager_a, instrument, clinic_a
):
    respond(instrument, clinic_a, 12)
    client.force_login(manager_a)
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert client.get(reverse("analytics:dashboard"), PERIOD).status_code == 200
    assert replica.captured_queries == []
