"""Export jobs in the admin, read-only: they change only through services.

The rollup tables are internal sums the dashboard reads (recomputed from responses, never
edited, meaningless one row at a time): they are not in the admin.
"""

from django.contrib import admin

from analytics.models import ExportJob


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
