"""Celery tasks for export jobs: thin; they take a job id and call one service."""

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from analytics.exports.services import export_job_fail, export_job_run, exports_expire


class ExportJobTask(Task):
    """Marks the job failed, with a reason its requester reads, once no retry is left."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if isinstance(exc, SoftTimeLimitExceeded):
            reason = "The export ran past its time limit. Try a shorter period or fewer clinics."
        else:
            reason = "The export failed after several attempts. Please try again later."
        export_job_fail(job_id=args[0], reason=reason)


@shared_task(
    name="analytics.exports.tasks.export_job_run",
    base=ExportJobTask,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=3,
)
def export_job_run_task(job_id: str) -> str:
    return export_job_run(job_id=job_id).status


@shared_task(name="analytics.exports.tasks.exports_expire")
def exports_expire_task() -> int:
    """Periodic: delete expired export files and fail jobs stuck past their time limit."""
    return exports_expire()
