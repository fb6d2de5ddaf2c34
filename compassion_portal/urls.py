"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("exports/", include("analytics.exports.urls")),
    path("staff/", include("feedback.staff_urls")),
    path("dashboard/comments/", include("analytics.comment_urls")),
    path("", include("analytics.urls")),
    path("", include("feedback.urls")),
]
