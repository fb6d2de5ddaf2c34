"""Exports as actions: stream a small one, queue a large one as a job, run, expire and fetch jobs.

Every export and every download leaves an audit event (who, which filters, how many rows, which
file). Callers pass a request whose clinic ids were already limited to what the user may see
(feedback.access); the job and download helpers here are where "only the requester or an admin,
and only while they may still see every clinic in the export" lives: a job keeps no rights of its
own once its requester loses a clinic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from analytics.exports.formats import EXPORT_FORMATS, ExportFormat, export_chunks
from analytics.exports.responses import (
    response_count,
)
from analytics.exports.scores import (
    score_group_count,
)
from analytics.models import ExportJob
from analytics.rollups.selectors import RollupFilter
from compassion_portal.celery import enqueue_on_commit
from feedback.access import clinics_for_user
from feedback.audit import audit_record
from feedback.models import AuditEvent, Clinic

EXPORT_TASK = "analytics.exports.tasks.export_job_run"
# A job queued longer than this tells its requester it is waiting for the background worker.
WORKER_WAIT_NOTICE_SECONDS = 10
ACCESS_LOST_REASON = (
    "You no longer have access to every clinic in this export, so it was not built."
)


class ExportUnavailable(Exception):
    """The file is gone (expired or deleted) or the job did not finish."""


@dataclass(frozen=True)
class ExportRequest:
    """What to export: kind, format, filters and options. Equal requests are "the same export"."""

    kind: str  # ExportJob.Kind
    file_format: str  # ExportJob.FileFormat; EXPORT_FORMATS says which kinds each holds
    where: RollupFilter
    granularity: str = "week"  # scores: day, week or month
    comments: bool = False  # responses: include the free-text comment
    bom: bool = False  # CSV: begin with a byte-order mark so Excel reads UTF-8
    # Scores as stored; by default rounded as the dashboard shows them (exports.precision).
    full_precision: bool = False

    def __post_init__(self) -> None:
        if self.kind not in EXPORT_FORMATS[self.file_format].kinds:
            raise ValueError(f"the {self.kind} export is not available as {self.file_format}")

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        where = data.pop("where")
        where["clinic_ids"] = sorted(where["clinic_ids"])
        where["since"], where["until"] = where["since"].isoformat(), where["until"].isoformat()
        return {**data, "where": where}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExportRequest:
        where = dict(data["where"])
        where["since"] = dt.date.fromisoformat(where["since"])
        where["until"] = dt.date.fromisoformat(where["until"])
        return cls(**{**data, "where": RollupFilter(**where)})

    @property
    def fingerprint(self) -> str:
        canonical = json.dumps(self.as_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def file_name(self) -> str:
        """The name offered for download: says what it holds, and nothing about anyone."""
        where = self.where
        detail = f"-{self.granularity}" if self.kind == ExportJob.Kind.SCORES else ""
        return f"{self.kind}{detail}-{where.since:%Y%m%d}-{where.until:%Y%m%d}.{self.file_format}"

    @property
    def format(self) -> ExportFormat:
        return EXPORT_FORMATS[self.file_format]

    @property
    def content_type(self) -> str:
        return self.format.content_type


def export_row_count(*, export: ExportRequest) -> int:
    if export.kind == ExportJob.Kind.RESPONSES:
        return response_count(where=export.where)
    return score_group_count(where=export.where, granularity=export.granularity)


def export_audit(
    *,
    actor: AbstractBaseUser | None,
    export: ExportRequest,
    rows: int,
    file: str,
    via: str,
    job: ExportJob | None = None,
) -> AuditEvent:
    clinic_ids = export.where.clinic_ids
    clinic = Clinic.objects.filter(pk=clinic_ids[0]).first() if len(clinic_ids) == 1 else None
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        clinic=clinic,
        target=f"export:{job.pk}" if job else f"export:{export.kind}",
        details={**export.as_json(), "rows": rows, "file": file, "via": via},
    )


def export_stream(*, user: AbstractBaseUser, export: ExportRequest) -> Iterator[bytes]:
    """A small CSV export for a streamed response; audited before the first byte is sent."""
    rows = export_row_count(export=export)
    export_audit(actor=user, export=export, rows=rows, file=export.file_name, via="download")
    return (data for _, data in export_chunks(export=export))


def export_temporary_file(*, user: AbstractBaseUser, export: ExportRequest):
    """A small export of a format not streamed (a workbook) as an open temporary file, deleted
    when the response closes it."""
    file = tempfile.NamedTemporaryFile(suffix=f".{export.file_format}", dir=_export_root())
    rows = export.format.file_write(export=export, path=Path(file.name), progress=_ignored)
    export_audit(actor=user, export=export, rows=rows, file=export.file_name, via="download")
    file.seek(0)
    return file


def export_job_request(*, user: AbstractBaseUser, export: ExportRequest) -> ExportJob:
    """Queue the export, or return the same export already queued or running for this user."""
    fingerprint = export.fingerprint
    unfinished = ExportJob.objects.filter(
        requester=user,
        fingerprint=fingerprint,
        status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
    )
    # Twice: the same request a moment earlier (another tab) wins the unique constraint; it is
    # then returned if still unfinished, and if it already finished, this one is created anew.
    for _attempt in range(2):
        if (job := unfinished.first()) is not None:
            if job.status == ExportJob.Status.QUEUED and job.sent_at <= _resend_cutoff():
                _export_job_resend(job_id=job.pk, last_sent=job.sent_at)  # its message was lost
            return job
        try:
            with transaction.atomic():
                job = ExportJob.objects.create(
                    requester=user,
                    kind=export.kind,
                    file_format=export.file_format,
                    filters=export.as_json(),
                    fingerprint=fingerprint,
                    rows_total=export_row_count(export=export),
                    expires_at=timezone.now() + _file_lifetime(),
                )
                enqueue_on_commit(EXPORT_TASK, str(job.pk))
        except IntegrityError:
            continue
        job.refresh_from_db()  # an eager task (the demo) has already run it
        return job
    # Beaten twice by the same export, started and finished in between: the newest will do.
    same = ExportJob.objects.filter(requester=user, fingerprint=fingerprint)
    return unfinished.first() or same.latest("created_at")


def export_job_run(*, job_id: str, chunk_rows: int | None = None, task_id: str = "") -> ExportJob:
    """Build the job's file, as the task message ``task_id``. Safe to run twice: a finished job
    is left alone, and so is a job another message is running (a resend that found the first
    message alive); the same message delivered again (its worker died) starts the job over
    into a fresh temporary file."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return job
        if job.status == ExportJob.Status.RUNNING and job.run_task_id != task_id:
            return job
        if not _may_see_clinics(job.requester, ExportRequest.from_json(job.filters)):
            export_job_fail(job_id=str(job.pk), reason=ACCESS_LOST_REASON)
            job.refresh_from_db()
            return job
        job.status, job.started_at, job.rows_done = ExportJob.Status.RUNNING, timezone.now(), 0
        job.run_task_id = task_id
        job.save(update_fields=["status", "started_at", "rows_done", "run_task_id"])
    export = ExportRequest.from_json(job.filters)
    root = _export_root()
    final = root / f"{job.pk}.{job.file_format}"
    # Its own partial file per run: a duplicate delivery never writes into another's file.
    partial = root / f"{job.pk}.{uuid.uuid4().hex}.partial"
    done = export.format.file_write(
        export=export,
        path=partial,
        progress=lambda rows: _progress_save(job, rows),
        chunk_rows=chunk_rows,
    )
    os.replace(partial, final)
    now = timezone.now()
    with transaction.atomic():
        finished = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
            status=ExportJob.Status.DONE,
            rows_total=done,
            rows_done=done,
            file_name=final.name,
            finished_at=now,
            expires_at=now + _file_lifetime(),
        )
        job.refresh_from_db()
        if finished:  # a second run of the same job is not a second export
            export_audit(
                actor=job.requester,
                export=export,
                rows=done,
                file=export.file_name,
                via="job",
                job=job,
            )
    return job


def export_job_fail(*, job_id: str, reason: str) -> None:
    """Mark an unfinished job failed with a reason its requester will read; remove any part."""
    ExportJob.objects.filter(
        pk=job_id, status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]
    ).update(status=ExportJob.Status.FAILED, error=reason[:500], finished_at=timezone.now())
    for partial in _export_root().glob(f"{job_id}.*.partial"):
        partial.unlink(missing_ok=True)


def exports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete expired files, and fail jobs stuck past their time limit (a killed worker never
    reports). Returns how many files were deleted."""
    now = now or timezone.now()
    deleted = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(file_name=""):
        (_export_root() / job.file_name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file_name="")
        deleted += 1
    limit = dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    stuck = ExportJob.objects.filter(
        Q(status=ExportJob.Status.RUNNING, started_at__lt=now - limit)
        | Q(status=ExportJob.Status.QUEUED, created_at__lt=now - limit)
    )
    for job_id in stuck.values_list("pk", flat=True):
        export_job_fail(
            job_id=str(job_id), reason="The export did not finish within its time limit."
        )
    return deleted


def exports_resend_queued(*, now: dt.datetime | None = None) -> int:
    """Send again the task of every job still queued EXPORT_REQUEUE_AFTER_SECONDS after its
    last send: the message may have been lost (the broker was down when it was asked for).
    Returns how many were sent; two sweeps at once (beat started twice) send each job once."""
    now = now or timezone.now()
    stale = ExportJob.objects.filter(
        status=ExportJob.Status.QUEUED, sent_at__lte=_resend_cutoff(now)
    ).values_list("pk", "sent_at")
    return sum(
        _export_job_resend(job_id=job_id, last_sent=last_sent, now=now)
        for job_id, last_sent in stale
    )


def export_job_waiting_for_worker(*, job: ExportJob, now: dt.datetime | None = None) -> bool:
    """Whether the job has been queued long enough that its requester should be told why."""
    now = now or timezone.now()
    return job.status == ExportJob.Status.QUEUED and job.created_at <= now - dt.timedelta(
        seconds=WORKER_WAIT_NOTICE_SECONDS
    )


def _export_job_resend(
    *,
    job_id: Any,
    last_sent: dt.datetime,
    now: dt.datetime | None = None,
) -> int:
    """Send the job's task again unless someone else did since ``last_sent`` (conditional
    UPDATE: of two callers at once, one wins); 1 if this call sent it."""
    with transaction.atomic():
        claimed = ExportJob.objects.filter(
            pk=job_id, status=ExportJob.Status.QUEUED, sent_at=last_sent
        ).update(sent_at=now or timezone.now())
        if claimed:
            enqueue_on_commit(EXPORT_TASK, str(job_id))
    return claimed


def _resend_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(seconds=settings.EXPORT_REQUEUE_AFTER_SECONDS)


def export_job_for_user(*, user: AbstractBaseUser, job_id: Any) -> ExportJob:
    """The job if this user asked for it or is an admin, and may still see every clinic in it;
    else 404, as for a job that never was."""
    jobs = ExportJob.objects.select_related("requester")
    if not (user.is_active and user.is_superuser):
        jobs = jobs.filter(requester=user)
    try:
        job = jobs.get(pk=job_id)
    except (ExportJob.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such export.") from error
    if not _may_see_clinics(user, ExportRequest.from_json(job.filters)):
        raise Http404("No such export.")
    return job


def export_job_download(*, user: AbstractBaseUser, job_id: Any):
    """The finished job and its open file, audited as downloaded by ``user``."""
    job = export_job_for_user(user=user, job_id=job_id)
    if job.status != ExportJob.Status.DONE or not job.file_name or job.expires_at <= timezone.now():
        raise ExportUnavailable()
    try:
        file = (_export_root() / job.file_name).open("rb")
    except FileNotFoundError:
        raise ExportUnavailable() from None
    export = ExportRequest.from_json(job.filters)
    export_clinics = export.where.clinic_ids
    audit_record(
        actor=user,
        action=AuditEvent.Action.EXPORT_DOWNLOAD,
        clinic=Clinic.objects.filter(pk=export_clinics[0]).first()
        if len(export_clinics) == 1
        else None,
        target=f"export:{job.pk}",
        details={**export.as_json(), "rows": job.rows_done, "file": export.file_name},
    )
    return job, export, file


def _may_see_clinics(user: AbstractBaseUser, export: ExportRequest) -> bool:
    """Whether ``user`` may, today, see every clinic the export reads."""
    wanted = set(export.where.clinic_ids)
    allowed = set(clinics_for_user(user).filter(pk__in=wanted).values_list("pk", flat=True))
    return wanted <= allowed


def _ignored(rows: int) -> None:
    """Progress of an export no job follows."""


def _progress_save(job: ExportJob, done: int) -> None:
    """Autocommitted at once, so the page polling the job sees it move."""
    ExportJob.objects.filter(pk=job.pk).update(rows_done=min(done, job.rows_total))


def _file_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=settings.EXPORT_FILE_TTL_HOURS)


def _export_root() -> Path:
    root = Path(settings.EXPORT_ROOT)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root
