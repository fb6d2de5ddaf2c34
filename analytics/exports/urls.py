"""Export routes, included under /exports/."""

from django.urls import path

from analytics.exports import views

app_name = "exports"
urlpatterns = [
    path("", views.export_start, name="start"),
    path("<uuid:job_id>/", views.export_job, name="job"),
    path("<uuid:job_id>/status/", views.export_job_status, name="status"),
    path("<uuid:job_id>/download/", views.export_download, name="download"),
]
