"""Exported scores are rounded as the dashboard shows them (full precision on request); the
export page starts on the dashboard's period and says in plain words what the BOM is for."""

import datetime as dt
import io
import re

import pandas as pd
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from analytics.exports import responses as response_export
from analytics.exports.formats import export_chunks
from analytics.exports.precision import shown_rounded
from analytics.exports.scores import ALL_PROVIDERS, SCORE_COLUMNS, score_rows
from analytics.exports.services import ExportRequest
from analytics.rollups.selectors import RollupFilter
from analytics.rollups.services import dirty_buckets_drain
from feedback.services import response_submit

DAY = dt.date(2026, 3, 10)
# Empathy answered 4, 4, 5: mean 13/3, score 100 * (13/3 - 1) / 4 = 83.333...; one of its three
# answers is top-box (33.333...%); everyone answers 9 to "recommend" (NPS +100).
EMPATHY_SCORE = 100 * (13 / 3 - 1) / 4


@pytest.fixture
def twelve_responses(instrument, clinic_a, full_answers):
    answers = {**full_answers, "empathy_kindness": 5}
    for _ in range(12):
        response_submit(
            instrument=instrument,
            clinic=clinic_a,
            answers=answers,
            language="en",
            now=timezone.make_aware(dt.datetime.combine(DAY, dt.time(15))),
        )
    dirty_buckets_drain()


def where(clinic) -> RollupFilter:
    return RollupFilter(clinic_ids=(clinic.pk,), since=DAY, until=DAY)


def frame_of(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")


def test_halves_round_away_from_zero_as_postgresql_does():
    assert shown_rounded(83.33333333333333) == 83.3
    assert shown_rounded(6.25) == 6.3  # Python's round() gives 6.2
    assert shown_rounded(-6.25) == -6.3
    assert shown_rounded(42.5, 0) == 43 and isinstance(shown_rounded(42.5, 0), int)


def test_scores_export_is_rounded_as_the_dashboard_shows_it(clinic_a, twelve_responses):
    rows = pd.DataFrame(
        list(score_rows(where=where(clinic_a), granularity="day")), columns=SCORE_COLUMNS
    ).set_index(["provider", "dimension"])

    empathy = rows.loc[(ALL_PROVIDERS, "empathy")]
    assert empathy["n"] == 12
    assert empathy["mean"] == 83.3
    assert empathy["top_box_pct"] == 33.3
    assert rows.loc[(ALL_PROVIDERS, "recommend"), "nps"] == 100


def test_scores_export_in_full_precision_keeps_every_decimal(clinic_a, twelve_responses):
    rows = pd.DataFrame(
        list(score_rows(where=where(clinic_a), granularity="day", full_precision=True)),
        columns=SCORE_COLUMNS,
    ).set_index(["provider", "dimension"])

    empathy = rows.loc[(ALL_PROVIDERS, "empathy")]
    assert empathy["mean"] == pytest.approx(EMPATHY_SCORE, abs=1e-9)
    assert empathy["mean"] != 83.3
    assert empathy["top_box_pct"] == pytest.approx(100 / 3, abs=1e-9)


def chunk_paths():
    paths = [response_export._orm_chunks]
    if connection.vendor == "postgresql":
        paths.append(response_export._postgres_chunks)
    return paths


@pytest.mark.parametrize("chunks", chunk_paths(), ids=lambda f: f.__name__)
def test_responses_export_rounds_each_score_on_every_path(clinic_a, twelve_responses, chunks):
    rounded = response_export.response_columns(comments=False)
    full = response_export.response_columns(comments=False, full_precision=True)

    for columns, expected in ((rounded, "83.3"), (full, repr(EMPATHY_SCORE))):
        data = b"".join(part for _, part in chunks(where(clinic_a), columns, 5))
        header = ",".join(columns.header).encode() + b"\n"
        frame = pd.read_csv(io.BytesIO(header + data), dtype=str)
        assert set(frame["score_empathy"]) == {expected}, columns.score_digits


def test_the_export_page_posts_full_precision_and_rounds_without_it(
    client, manager_a, clinic_a, twelve_responses, settings
):
    client.force_login(manager_a)
    form = {"kind": "scores", "file_format": "csv", "period": "custom", "granularity": "day"}
    form |= {"start": DAY.isoformat(), "end": DAY.isoformat()}

    rounded = frame_of(b"".join(client.post(reverse("exports:start"), form).streaming_content))
    full = frame_of(
        b"".join(
            client.post(
                reverse("exports:start"), {**form, "full_precision": "on"}
            ).streaming_content
        )
    )

    def empathy_mean(frame):
        row = frame[(frame["provider"] == ALL_PROVIDERS) & (frame["dimension"] == "empathy")]
        return row["mean"].item()

    assert empathy_mean(rounded) == 83.3
    assert empathy_mean(full) == pytest.approx(EMPATHY_SCORE, abs=1e-9)


def test_export_responses_command_has_a_full_precision_option(clinic_a, twelve_responses, tmp_path):
    out = tmp_path / "responses.csv"
    since = ["--since", DAY.isoformat(), "--until", DAY.isoformat()]

    call_command("export_responses", "--out", str(out), *since, stderr=io.StringIO())
    assert set(frame_of(out.read_bytes())["score_empathy"]) == {83.3}
    call_command(
        "export_responses", "--out", str(out), *since, "--full-precision", stderr=io.StringIO()
    )
    assert frame_of(out.read_bytes())["score_empathy"].tolist() == [EMPATHY_SCORE] * 12


def _selected_period(html: str) -> str:
    select = re.search(r'<select name="period".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="(\w+)"[^>]*selected', select).group(1)


def test_the_export_page_starts_on_the_dashboards_default_period(client, manager_a, instrument):
    client.force_login(manager_a)

    dashboard = client.get(reverse("analytics:dashboard")).content.decode()
    exports = client.get(reverse("exports:start")).content.decode()

    assert _selected_period(exports) == _selected_period(dashboard) == "90d"


def test_the_byte_order_mark_option_says_it_is_for_excel_on_windows(client, manager_a):
    client.force_login(manager_a)

    page = client.get(reverse("exports:start")).content.decode()

    assert "For Excel on Windows" in page
    assert "byte-order mark (lets older Excel" not in page


def test_a_job_request_stored_before_the_option_existed_still_reads(clinic_a):
    export = ExportRequest(kind="scores", file_format="csv", where=where(clinic_a))
    stored = export.as_json()
    del stored["full_precision"]

    assert ExportRequest.from_json(stored).as_json() == export.as_json()
    assert b"".join(part for _, part in export_chunks(export=export)).startswith(b"period_start")


def test_the_export_page_starts_on_weekly_scores_as_the_dashboard_does(client, manager_a):
    client.force_login(manager_a)

    page = client.get(reverse("exports:start")).content.decode()

    select = re.search(r'<select name="granularity".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="week"[^>]*selected', select)
