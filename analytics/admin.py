"""Export jobs in the admin, read-only: they change only through services.

The rollup tables are internal sums the dashboard reads (recomputed from responses, never
edited, meaningless one row at a time): they are not in the admin.
"""

from django.contrib import admin

from analytics.models import ExportJob, MonthlyReportDelivery, StaffMailPreference, TrendAlert


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Who exported what and how it went; files are fetched through the audited download page."""

    list_display = [
        "created_at",
        "requester",
        "kind",
        "file_format",
        "status",
        "rows_done",
        "rows_total",
        "expires_at",
    ]
    list_filter = ["status", "kind", "file_format"]
    list_select_related = ["requester"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StaffMailPreference)
class StaffMailPreferenceAdmin(admin.ModelAdmin):
    """Admins can turn a manager's alerts or monthly report on or off for them."""

    list_display = ["user", "signal_alerts", "monthly_report", "language", "updated_at"]
    list_filter = ["signal_alerts", "monthly_report", "language"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user"]


@admin.register(TrendAlert)
class TrendAlertAdmin(admin.ModelAdmin):
    """Read-only: signals are recorded and mailed by the daily task."""

    list_display = ["week", "clinic", "dimension", "kind", "value", "n", "sent_at", "recipients"]
    list_filter = ["kind", "clinic", "week"]
    list_select_related = ["clinic"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthlyReportDelivery)
class MonthlyReportDeliveryAdmin(admin.ModelAdmin):
    list_display = ["month", "user", "sent_at"]
    list_filter = ["month"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# Registered in their own package's admin module.
import analytics.interventions.admin  # noqa: E402, F401
