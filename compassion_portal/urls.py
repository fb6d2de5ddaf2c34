"""Top-level URL routes."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask /favicon.ico of pages that name no icon (the admin's): the portal's own."""
    return HttpResponseRedirect(static("img/favicon.svg"))


urlpatterns = [
    # The admin's "Forgotten your password?" link leads to the staff password reset.
    path(
        "admin/password-reset/",
        RedirectView.as_view(pattern_name="accounts:password_reset"),
        name="admin_password_reset",
    ),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("integrations.urls")),
    path("exports/", include("analytics.exports.urls")),
    path("staff/", include("feedback.staff_urls")),
    path("reports/", include("analytics.reports.urls")),
    path("dashboard/comments/", include("analytics.comments.urls")),
    path("interventions/", include("analytics.interventions.urls")),
    path("", include("analytics.urls")),
    path("", include("feedback.urls")),
]
