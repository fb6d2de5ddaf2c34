"""Staff routes: the monthly leadership reports and e-mail preferences (under /reports/)."""

from django.urls import path

from analytics.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    path("e-mails/", views.mail_preferences, name="preferences"),
    path(
        "clinic/<int:clinic_id>/<int:year>/<int:month>/",
        views.clinic_report_page,
        name="clinic",
    ),
    path(
        "organisation/<int:year>/<int:month>/",
        views.organisation_report_page,
        name="organisation",
    ),
]
