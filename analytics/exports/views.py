"""Export pages: choose and start an export, follow a job's progress, download its file."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from analytics.exports.forms import ExportForm
from analytics.exports.services import (
    ExportUnavailable,
    export_job_download,
    export_job_for_user,
    export_job_request,
    export_job_waiting_for_worker,
    export_row_count,
    export_stream,
    export_temporary_file,
)
from analytics.models import ExportJob
from feedback.access import clinic_for_user, clinics_for_user
from feedback.models import Provider


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def export_start(request: HttpRequest) -> HttpResponse:
    clinics = list(clinics_for_user(request.user))
    if not clinics:
        raise Http404("No clinics to export.")
    data = request.POST if request.method == "POST" else None
    if data and data.get("clinic"):
        clinic_for_user(request.user, data["clinic"], request=request)  # another clinic's data: 404
    providers = list(Provider.objects.filter(clinic__in=clinics).order_by("display_name"))
    form = ExportForm(data, clinics=clinics, providers=providers)
    if data is not None and form.is_valid():
        export = form.export_request()
        if export_row_count(export=export) > settings.EXPORT_ASYNC_THRESHOLD:
            job = export_job_request(user=request.user, export=export)
            return redirect("exports:job", job_id=job.pk)
        if not export.format.streamed:
            file = export_temporary_file(user=request.user, export=export)
            return FileResponse(
                file,
                as_attachment=True,
                filename=export.file_name,
                content_type=export.content_type,
            )
        response = StreamingHttpResponse(
            export_stream(user=request.user, export=export), content_type=export.content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
        return response
    jobs = ExportJob.objects.filter(requester=request.user)[:10]
    return render(
        request,
        "analytics/exports/start.html",
        {"form": form, "jobs": jobs, "min_group_size": settings.MIN_GROUP_SIZE},
    )


@never_cache
@login_required
@require_GET
def export_job(request: HttpRequest, job_id) -> HttpResponse:
    job = export_job_for_user(user=request.user, job_id=job_id)
    return render(
        request,
        "analytics/exports/job.html",
        {
            "job": job,
            "waiting_for_worker": export_job_waiting_for_worker(job=job),
        },
    )


@never_cache
@login_required
@require_GET
def export_job_status(request: HttpRequest, job_id) -> JsonResponse:
    job = export_job_for_user(user=request.user, job_id=job_id)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "rows_done": job.rows_done,
            "rows_total": job.rows_total,
            "error": job.error,
            "waiting_for_worker": export_job_waiting_for_worker(job=job),
            "download_url": reverse("exports:download", kwargs={"job_id": job.pk})
            if job.status == ExportJob.Status.DONE and job.file_name
            else None,
        },
        headers={"Cache-Control": "no-store"},
    )


@never_cache
@login_required
@require_GET
def export_download(request: HttpRequest, job_id) -> HttpResponse:
    try:
        job, export, file = export_job_download(user=request.user, job_id=job_id)
    except ExportUnavailable:
        return render(request, "analytics/exports/gone.html", status=410)
    return FileResponse(
        file, as_attachment=True, filename=export.file_name, content_type=export.content_type
    )
