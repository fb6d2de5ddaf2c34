"""The scores-by-period export: read from rollups, small groups suppressed as on the dashboard."""

import datetime as dt
import io
import math

import openpyxl
import pandas as pd
import pytest
from django.utils import timezone

from analytics.exports.formats import export_chunks
from analytics.exports.precision import shown_rounded
from analytics.exports.scores import ALL_PROVIDERS, SCORE_COLUMNS, score_rows
from analytics.exports.services import (
    ExportRequest,
    export_job_request,
    export_job_run,
)
from analytics.rollups.selectors import RollupFilter
from analytics.rollups.services import dirty_buckets_drain
from analytics.stats import Moments, mean_summary
from feedback.models import DimensionScore, Provider
from feedback.services import response_submit


@pytest.fixture
def three_providers(instrument, clinic_a, full_answers):
    """12, 11 and 3 responses in one week at clinic A (the 3 must be hidden, and one more)."""
    providers = []
    for name, count in (("Dr. Large", 12), ("=Dr. Medium", 11), ("Dr. Small", 3)):
        provider = Provider.objects.create(clinic=clinic_a, display_name=name)
        providers.append(provider)
        for number in range(count):
            answers = {**full_answers, "empathy_feelings": 1 + number % 5}
            response_submit(
                instrument=instrument,
                clinic=clinic_a,
                provider=provider,
                answers=answers,
                language="en",
                now=timezone.make_aware(dt.datetime(2026, 3, 9 + number % 5, 15)),
            )
    dirty_buckets_drain()
    return providers


def where(clinic) -> RollupFilter:
    return RollupFilter(
        clinic_ids=(clinic.pk,), since=dt.date(2026, 3, 1), until=dt.date(2026, 3, 31)
    )


def empathy_rows(clinic, granularity="week"):
    frame = pd.DataFrame(
        list(score_rows(where=where(clinic), granularity=granularity)), columns=SCORE_COLUMNS
    )
    return frame[frame["dimension"] == "empathy"].set_index("provider")


def test_small_provider_and_the_next_smallest_are_suppressed_under_a_shown_total(
    clinic_a, three_providers
):
    rows = empathy_rows(clinic_a)
    assert rows.loc[ALL_PROVIDERS, "n"] == 26
    assert rows.loc["Dr. Large", "n"] == 12 and not rows.loc["Dr. Large", "note"]
    for hidden in ("Dr. Small", "=Dr. Medium"):
        assert pd.isna(rows.loc[hidden, "n"]) and pd.isna(rows.loc[hidden, "mean"])
    assert rows.loc["Dr. Small", "note"] == "fewer than 10 responses"
    assert rows.loc["=Dr. Medium", "note"].startswith("hidden so that a group of fewer than 10")
    assert rows.loc["Dr. Large", "low_reliability"] == "yes"  # n < 30 for a provider


def test_with_a_provider_filter_there_is_no_all_providers_row_holding_that_providers_numbers(
    clinic_a, three_providers
):
    large = three_providers[0]
    only_large = RollupFilter(**{**where(clinic_a).__dict__, "provider_id": large.pk})
    rows = pd.DataFrame(
        list(score_rows(where=only_large, granularity="week")), columns=SCORE_COLUMNS
    )
    assert ALL_PROVIDERS not in set(rows["provider"])
    assert set(rows["provider"]) == {"Dr. Large"}
    empathy = rows[rows["dimension"] == "empathy"].set_index("provider")
    assert empathy.loc["Dr. Large", "n"] == 12  # the same numbers as without the filter
    assert empathy.loc["Dr. Large", "mean"] == empathy_rows(clinic_a).loc["Dr. Large", "mean"]


def test_scores_match_a_hand_calculation_from_the_stored_scores(clinic_a, three_providers):
    rows = empathy_rows(clinic_a)
    scores = list(
        DimensionScore.objects.filter(
            dimension="empathy", response__provider=three_providers[0]
        ).values_list("score", flat=True)
    )
    summary = mean_summary(Moments.of(scores))
    assert rows.loc["Dr. Large", "mean"] == shown_rounded(summary.mean, 1)
    assert rows.loc["Dr. Large", "mean_ci_lower"] == shown_rounded(summary.lower, 1)
    overall = DimensionScore.objects.filter(dimension="empathy").values_list("score", flat=True)
    assert math.isclose(rows.loc[ALL_PROVIDERS, "mean"], sum(overall) / 26, abs_tol=0.05)


def test_a_period_with_fewer_than_the_minimum_shows_no_numbers_at_all(
    clinic_a, three_providers, settings
):
    settings.MIN_GROUP_SIZE = 30
    rows = empathy_rows(clinic_a, granularity="day")
    assert rows["n"].isna().all() and rows["mean"].isna().all()
    assert set(rows.loc[ALL_PROVIDERS, "note"]) == {"fewer than 30 responses"}


def test_scores_workbook_has_the_same_rows_with_formulas_defused(
    clinic_a, three_providers, settings, tmp_path, django_user_model
):
    settings.EXPORT_ROOT = tmp_path
    user = django_user_model.objects.create_superuser("admin", password="x")
    export = ExportRequest(
        kind="scores", file_format="xlsx", where=where(clinic_a), granularity="month"
    )
    job = export_job_run(job_id=str(export_job_request(user=user, export=export).pk))
    sheet = openpyxl.load_workbook(tmp_path / job.file_name).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0] == SCORE_COLUMNS
    csv_export = ExportRequest(
        kind="scores", file_format="csv", where=where(clinic_a), granularity="month"
    )
    frame = pd.read_csv(
        io.BytesIO(b"".join(d for _, d in export_chunks(export=csv_export))),
        keep_default_na=False,
        na_values=[""],
    )
    assert len(table) - 1 == len(frame) == job.rows_done
    providers = {row[2] for row in table[1:]}
    assert "'=Dr. Medium" in providers and "=Dr. Medium" not in providers
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
