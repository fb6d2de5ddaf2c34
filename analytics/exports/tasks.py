"""Celery tasks for export jobs: thin; they take a job id and call one service."""

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from analytics.exports.services import (
    export_job_fail,
    export_job_run,
    exports_expire,
    exports_resend_queued,
)
from compassion_portal.celery import TASK_RETRY


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
    bind=True,
    **TASK_RETRY,
)
def export_job_run_task(self: Task, job_id: str) -> str:
    return export_job_run(job_id=job_id, task_id=self.request.id or "").status


@shared_task(name="analytics.exports.tasks.exports_expire", **TASK_RETRY)
def exports_expire_task() -> int:
    """Periodic: delete expired export files and fail jobs stuck past their time limit."""
    return exports_expire()


@shared_task(name="analytics.exports.tasks.exports_resend_queued", **TASK_RETRY)
def exports_resend_queued_task() -> int:
    """Periodic: send again the jobs still queued long after their task was sent."""
    return exports_resend_queued()
