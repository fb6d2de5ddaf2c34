"""Exports: the CSV reads back to the stored data, formulas are defused, access and audit hold."""

import datetime as dt
import io

import pandas as pd
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from analytics.exports import responses as response_export
from analytics.exports.formats import export_chunks
from analytics.exports.services import (
    ExportRequest,
    export_job_request,
    export_job_run,
    exports_expire,
)
from analytics.models import ExportJob
from analytics.rollups.selectors import RollupFilter
from feedback.models import AuditEvent, Clinic, DimensionScore, Provider, Response
from feedback.services import response_submit
from feedback.testimonials import comment_redacted

TRICKY_COMMENTS = [
    'Kind, careful, and "thorough" - thank you',
    "First line\nsecond line, with a comma\nthird",
    "Windows line end\r\nstill one comment",
    "Wonderful nurse 😊🙏🏽 and a family emoji 👨‍👩‍👧",
    "الطبيب كان لطيفاً جداً، شكراً",  # Arabic, right to left, with an Arabic comma
    "שלום, תודה רבה",  # Hebrew
    "NA",
    "",
    "Mixed עברית and English, with 'quotes'",
]
# Personal data of three kinds, the last the clinic's own provider (provider_a, Dr. Ana Ortiz).
PERSONAL_COMMENT = "Call me on 555-123-4567 or at jo.smith@example.com; Dr. Ortiz was so kind"


@pytest.fixture
def eager_tasks():
    """Tasks run in-process on commit, as in the demo (the real worker has its own test)."""
    from compassion_portal.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def submit(instrument, clinic, answers, *, comment="", provider=None, day=None):
    return response_submit(
        instrument=instrument,
        clinic=clinic,
        answers=answers,
        language="en",
        comment=comment,
        provider=provider,
        visit_type="routine",
        now=timezone.make_aware(dt.datetime.combine(day or dt.date(2026, 3, 10), dt.time(15))),
    )


def varied_answers(full_answers, number: int) -> dict:
    """Answers that differ per response, with some items left absent ("does not apply")."""
    answers = {
        item: (value if item == "recommend" else 1 + (number + i) % 5)
        for i, (item, value) in enumerate(full_answers.items())
    }
    if number % 3 == 1:
        answers["time_rushed"] = None
        answers["respect_culture"] = None
    if number % 4 == 2:
        answers["recommend"] = number % 11
    return answers


def responses_request(clinics, **options) -> ExportRequest:
    return ExportRequest(
        kind="responses",
        file_format="csv",
        where=RollupFilter(
            clinic_ids=tuple(c.pk for c in clinics),
            since=dt.date(2026, 1, 1),
            until=dt.date(2026, 12, 31),
        ),
        **options,
    )


def exported_frame(data: bytes) -> pd.DataFrame:
    """Read as a spreadsheet user would, but only empty cells count as missing (not "NA")."""
    return pd.read_csv(
        io.BytesIO(data),
        encoding="utf-8-sig",
        keep_default_na=False,
        na_values=[""],
        dtype={"comment": str, "provider": str},
    )


def export_bytes(export: ExportRequest, **kwargs) -> bytes:
    return b"".join(data for _, data in export_chunks(export=export, **kwargs))


def assert_frame_is_stored_data(frame: pd.DataFrame, columns) -> None:
    stored = {r.pk: r for r in Response.objects.select_related("clinic", "provider")}
    scores = {(s.response_id, s.dimension): s.score for s in DimensionScore.objects.all()}
    assert sorted(frame["response_id"]) == sorted(stored)
    for row in frame.to_dict("records"):
        response = stored[row["response_id"]]
        assert row["clinic"] == response.clinic.slug
        assert row["submitted_date"] == response.local_date.isoformat()
        for item in columns.items:
            want = response.answers.get(item)
            assert pd.isna(row[item]) if want is None else row[item] == want, item
        for dimension in columns.dimensions:
            want = scores.get((response.pk, dimension))
            got = row[f"score_{dimension}"]
            assert pd.isna(got) if want is None else got == want, dimension  # exact floats
        assert row["likelihood_to_recommend"] == response.answers["recommend"]
        if "comment" in row:  # as a staff page shows it
            assert (
                pd.isna(row["comment"])
                if response.comment == ""
                else row["comment"] == comment_redacted(response=response)
            )


def test_responses_csv_reads_back_with_pandas_to_exactly_the_stored_data(
    instrument, clinic_a, provider_a, full_answers
):
    for number, comment in enumerate(TRICKY_COMMENTS):
        submit(
            instrument,
            clinic_a,
            varied_answers(full_answers, number),
            comment=comment,
            provider=provider_a if number % 2 else None,
        )
    export = responses_request([clinic_a], comments=True, bom=True, full_precision=True)
    data = export_bytes(export, chunk_rows=4)  # several chunks
    assert data.startswith(b"\xef\xbb\xbf")
    frame = exported_frame(data)
    columns = response_export.response_columns(comments=True, full_precision=True)
    assert list(frame.columns) == columns.header
    assert len(frame) == len(TRICKY_COMMENTS)
    assert_frame_is_stored_data(frame, columns)
    assert frame["comment"].isna().sum() == 1  # the empty one only; "NA" stayed text


def chunk_paths():
    """The ways a responses CSV is written here: the ORM always, COPY on PostgreSQL."""
    paths = [response_export._orm_chunks]
    if connection.vendor == "postgresql":
        paths.append(response_export._postgres_chunks)
    return paths


def test_comments_leave_the_portal_redacted_as_staff_pages_show_them_on_every_path(
    instrument, clinic_a, clinic_b, provider_a, full_answers
):
    submit(instrument, clinic_a, full_answers, comment=PERSONAL_COMMENT, provider=provider_a)
    submit(instrument, clinic_b, full_answers, comment="Ortiz is a fine surname here")
    export = responses_request([clinic_a, clinic_b], comments=True)
    columns = response_export.response_columns(comments=True)
    header = ",".join(columns.header).encode() + b"\n"
    for chunks in chunk_paths():
        frame = exported_frame(
            header + b"".join(data for _, data in chunks(export.where, columns, 1))
        )
        comments = dict(zip(frame["clinic"], frame["comment"], strict=True))
        assert comments["riverside"] == (
            "Call me on [phone] or at [email]; Dr. [name] was so kind"
        ), chunks.__name__
        for personal in ("555", "4567", "example.com", "Ortiz"):
            assert personal not in comments["riverside"], chunks.__name__
        # Hillcrest has no Ortiz on staff, and "Ortiz" opens the sentence: no cue to hide it.
        assert comments["hillcrest"] == "Ortiz is a fine surname here", chunks.__name__


def test_clinic_slug_that_looks_like_a_formula_is_neutralised_on_every_path(
    instrument, full_answers
):
    clinic = Clinic.objects.create(name="Odd", slug="-2-3", timezone="Europe/Madrid")
    submit(instrument, clinic, full_answers)
    export = responses_request([clinic])
    columns = response_export.response_columns(comments=False)
    for chunks in chunk_paths():
        rows = b"".join(data for _, data in chunks(export.where, columns, 10)).decode()
        assert rows.split(",")[1] == "'-2-3", chunks.__name__


def test_responses_export_leaves_comments_out_unless_asked(instrument, clinic_a, full_answers):
    submit(instrument, clinic_a, full_answers, comment="Private words")
    frame = exported_frame(export_bytes(responses_request([clinic_a])))
    assert "comment" not in frame.columns
    assert len(frame) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_postgres_copy_and_orm_paths_write_the_same_table(
    instrument, clinic_a, clinic_b, provider_a, full_answers
):
    for number, comment in enumerate(TRICKY_COMMENTS * 2):
        submit(
            instrument,
            clinic_a if number % 3 else clinic_b,
            varied_answers(full_answers, number),
            comment={4: "=1+1", 5: PERSONAL_COMMENT}.get(number, comment),
            provider=provider_a if number % 3 == 1 else None,
        )
    columns = response_export.response_columns(comments=True)
    where = responses_request([clinic_a], comments=True).where
    where = RollupFilter(**{**where.__dict__, "provider_id": 0})  # "no provider" as a filter
    copied = list(response_export._postgres_chunks(where, columns, 3))
    written = list(response_export._orm_chunks(where, columns, 3))
    assert [rows for rows, _ in copied] == [rows for rows, _ in written]
    header = ",".join(columns.header).encode() + b"\n"
    copy_frame = exported_frame(header + b"".join(data for _, data in copied))
    orm_frame = exported_frame(header + b"".join(data for _, data in written))
    pd.testing.assert_frame_equal(copy_frame, orm_frame)
    assert len(copy_frame) == Response.objects.filter(clinic=clinic_a, provider=None).count()


def test_cells_that_a_spreadsheet_would_run_are_neutralised(instrument, clinic_a, full_answers):
    provider = Provider.objects.create(clinic=clinic_a, display_name='=HYPERLINK("http://x")')
    attacks = ["=1+2", "+SUM(A1)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)"]
    for comment in attacks:
        submit(instrument, clinic_a, full_answers, comment=comment, provider=provider)
    frame = exported_frame(export_bytes(responses_request([clinic_a], comments=True)))
    assert sorted(frame["comment"]) == sorted("'" + attack for attack in attacks)
    assert set(frame["provider"]) == {'\'=HYPERLINK("http://x")'}
    assert frame["response_id"].dtype.kind == "i"  # numbers stay numbers


def test_streamed_export_queries_do_not_grow_with_the_rows(
    client,
    manager_a,
    instrument,
    clinic_a,
    full_answers,
    django_assert_max_num_queries,
    export_root,
):
    client.force_login(manager_a)
    counts = []
    for _ in range(2):
        for _ in range(6):
            submit(instrument, clinic_a, full_answers)
        with django_assert_max_num_queries(30) as captured:
            reply = client.post(
                reverse("exports:start"),
                {"kind": "responses", "file_format": "csv", "period": "365d"},
            )
            body = b"".join(reply.streaming_content)
        counts.append(len(captured.captured_queries))
        assert body.count(b"\n") == 1 + Response.objects.count()
    assert counts[0] == counts[1]


def test_manager_cannot_export_another_clinics_data(
    client, manager_a, instrument, clinic_a, clinic_b, full_answers, export_root
):
    submit(instrument, clinic_a, full_answers, comment="ours")
    submit(instrument, clinic_b, full_answers, comment="theirs")
    client.force_login(manager_a)
    form = {"kind": "responses", "file_format": "csv", "period": "365d", "comments": "on"}
    assert client.post(reverse("exports:start"), {**form, "clinic": clinic_b.pk}).status_code == 404
    reply = client.post(reverse("exports:start"), form)
    assert reply.status_code == 200
    frame = exported_frame(b"".join(reply.streaming_content))
    assert list(frame["clinic"]) == ["riverside"]
    assert list(frame["comment"]) == ["ours"]
    assert AuditEvent.objects.filter(actor=manager_a, action="export").count() == 1


def test_large_export_becomes_a_job_whose_file_only_requester_and_admins_fetch(
    client,
    settings,
    manager_a,
    manager_b,
    admin_user,
    instrument,
    clinic_a,
    full_answers,
    export_root,
    django_capture_on_commit_callbacks,
    eager_tasks,
):
    settings.EXPORT_ASYNC_THRESHOLD = 2
    for _ in range(3):
        submit(instrument, clinic_a, full_answers)
    client.force_login(manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(
            reverse("exports:start"), {"kind": "responses", "file_format": "csv", "period": "365d"}
        )
    job = ExportJob.objects.get()
    assert reply.status_code == 302 and reply.url == reverse("exports:job", args=[job.pk])
    page = client.get(reply.url)
    assert b"js/export_progress.js" in page.content and b"<script>" not in page.content
    status = client.get(reverse("exports:status", args=[job.pk])).json()
    assert (status["status"], status["rows_done"], status["rows_total"]) == ("done", 3, 3)
    download = reverse("exports:download", args=[job.pk])
    assert status["download_url"] == download

    client.force_login(manager_b)
    for url in (download, reverse("exports:status", args=[job.pk]), reply.url):
        assert client.get(url).status_code == 404
    client.force_login(admin_user)
    assert len(exported_frame(b"".join(client.get(download).streaming_content))) == 3
    client.force_login(manager_a)
    assert client.get(download).status_code == 200
    downloads = AuditEvent.objects.filter(action="export_download", target=f"export:{job.pk}")
    assert sorted(downloads.values_list("actor__username", flat=True)) == ["admin", "manager_a"]


def test_second_identical_request_while_one_runs_returns_the_running_one(
    manager_a, clinic_a, export_root
):
    export = responses_request([clinic_a])
    first = export_job_request(user=manager_a, export=export)  # queued: on-commit never ran
    assert export_job_request(user=manager_a, export=export) == first
    other = export_job_request(user=manager_a, export=responses_request([clinic_a], bom=True))
    assert other != first
    assert ExportJob.objects.count() == 2


def test_expired_file_is_deleted_and_can_no_longer_be_downloaded(
    client, manager_a, instrument, clinic_a, full_answers, export_root
):
    submit(instrument, clinic_a, full_answers)
    job = export_job_request(user=manager_a, export=responses_request([clinic_a]))
    job = export_job_run(job_id=str(job.pk))
    path = export_root / job.file_name
    assert path.read_bytes().count(b"\n") == 2
    assert exports_expire(now=job.expires_at - dt.timedelta(seconds=1)) == 0
    assert path.exists()
    assert exports_expire(now=job.expires_at + dt.timedelta(seconds=1)) == 1
    assert not path.exists()
    client.force_login(manager_a)
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 410


def test_job_past_its_time_limit_is_marked_failed_with_a_reason_the_user_sees(
    client, settings, manager_a, clinic_a, export_root
):
    job = export_job_request(user=manager_a, export=responses_request([clinic_a]))
    ExportJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    later = timezone.now() + dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    exports_expire(now=later)
    job.refresh_from_db()
    assert job.status == "failed" and "time limit" in job.error
    client.force_login(manager_a)
    assert client.get(reverse("exports:status", args=[job.pk])).json()["error"] == job.error
    assert job.error.encode() in client.get(reverse("exports:job", args=[job.pk])).content


def test_task_that_gives_up_marks_its_job_failed(manager_a, clinic_a, export_root):
    from celery.exceptions import SoftTimeLimitExceeded

    from analytics.tasks import export_job_run_task

    soft, hard = (
        export_job_request(user=manager_a, export=responses_request([clinic_a], bom=b))
        for b in (False, True)
    )
    export_job_run_task.on_failure(SoftTimeLimitExceeded(), "t1", (str(soft.pk),), {}, None)
    export_job_run_task.on_failure(RuntimeError("boom"), "t2", (str(hard.pk),), {}, None)
    soft.refresh_from_db()
    hard.refresh_from_db()
    assert soft.status == hard.status == "failed"
    assert "time limit" in soft.error and "after several attempts" in hard.error


def test_every_export_and_download_leaves_an_audit_row(
    client, manager_a, instrument, clinic_a, full_answers, export_root, tmp_path
):
    submit(instrument, clinic_a, full_answers)
    client.force_login(manager_a)
    b"".join(
        client.post(
            reverse("exports:start"),
            {
                "kind": "responses",
                "file_format": "csv",
                "period": "365d",
                "clinic": clinic_a.pk,
            },
        ).streaming_content
    )
    client.post(
        reverse("exports:start"),
        {"kind": "scores", "file_format": "xlsx", "period": "365d", "granularity": "month"},
    )
    job = export_job_run(
        job_id=str(export_job_request(user=manager_a, export=responses_request([clinic_a])).pk)
    )
    client.get(reverse("exports:download", args=[job.pk]))
    call_command(
        "export_responses",
        out=tmp_path / "all.csv",
        clinic=["riverside"],
        since=dt.date(2026, 1, 1),
    )

    events = list(AuditEvent.objects.order_by("pk"))
    assert [(e.action, e.details["via"]) for e in events if e.action == "export"] == [
        ("export", "download"),
        ("export", "download"),
        ("export", "job"),
        ("export", "command"),
    ]
    assert [e.action for e in events].count("export_download") == 1
    for event in events:
        assert event.details["where"]["clinic_ids"] == [clinic_a.pk]
        assert event.details["file"] and "rows" in event.details
        assert event.clinic == clinic_a
    assert events[0].details["rows"] == 1 and events[0].actor == manager_a
    assert events[-1].actor is None and events[-1].details["file"].endswith("all.csv")


def test_export_responses_command_writes_the_same_rows_as_the_web(
    instrument, clinic_a, clinic_b, full_answers, tmp_path
):
    for number in range(5):
        submit(
            instrument,
            clinic_a if number % 2 else clinic_b,
            varied_answers(full_answers, number),
            comment=TRICKY_COMMENTS[number],
        )
    out = tmp_path / "nightly.csv"
    call_command(
        "export_responses",
        out=out,
        clinic=["riverside"],
        comments=True,
        since=dt.date(2026, 1, 1),
        until=dt.date(2026, 12, 31),
    )
    assert out.read_bytes() == export_bytes(responses_request([clinic_a], comments=True))
    assert len(exported_frame(out.read_bytes())) == 2
