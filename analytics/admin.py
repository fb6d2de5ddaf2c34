"""Rollups and export jobs in the admin: read-only, since they change only through services."""

from django.contrib import admin

from analytics.models import (
    DimensionRollup,
    ExportJob,
    ItemRollup,
    MonthlyReportDelivery,
    ResponseRollup,
    StaffMailPreference,
    TrendAlert,
)


class RollupAdmin(admin.ModelAdmin):
    list_filter = ["clinic", "local_date", "channel", "language", "visit_type"]
    date_hierarchy = "local_date"
    list_select_related = ["clinic", "provider"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ResponseRollup)
class ResponseRollupAdmin(RollupAdmin):
    list_display = [
        "local_date",
        "clinic",
        "provider",
        "visit_type",
        "channel",
        "language",
        "responses",
    ]


@admin.register(DimensionRollup)
class DimensionRollupAdmin(RollupAdmin):
    list_display = [
        "local_date",
        "clinic",
        "provider",
        "dimension",
        "visit_type",
        "channel",
        "language",
        "n",
        "score_sum",
        "promoters",
        "detractors",
    ]
    list_filter = ["dimension", *RollupAdmin.list_filter]


@admin.register(ItemRollup)
class ItemRollupAdmin(RollupAdmin):
    list_display = [
        "local_date",
        "clinic",
        "provider",
        "item",
        "visit_type",
        "channel",
        "language",
        "answers",
        "top_box",
    ]
    list_filter = ["item", *RollupAdmin.list_filter]


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
