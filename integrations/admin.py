"""Admin for the machine interfaces: API tokens (created and revoked here, shown once),
webhook endpoints (secret shown once) and the read-only webhook delivery log."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations.models import ApiToken, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from integrations.services import api_token_secret_set, api_tokens_revoke
from integrations.webhooks import webhook_secret_new


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    filter_horizontal = ["clinics"]
    fields = ["name", "clinics", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the row stays for the record

    def save_model(self, request, obj: ApiToken, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.created_by = request.user
        token = api_token_secret_set(obj)
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            format_html(
                _(
                    "The new API token is {token}. Copy it now: it is not stored and cannot be "
                    "shown again."
                ),
                token=format_html("<code>{}</code>", token),
            ),
        )

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request, queryset) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            self.log_change(request, token, [{"changed": {"fields": ["revoked_at"]}}])
        count = api_tokens_revoke(tokens=queryset)
        messages.success(request, _("%(count)d token(s) revoked.") % {"count": count})


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["clinic", "url", "is_active", "created_at"]
    list_filter = ["is_active", "clinic"]
    fields = ["clinic", "url", "is_active", "created_at"]
    readonly_fields = ["created_at"]
    actions = ["secret_rotate"]

    def save_model(self, request, obj: WebhookEndpoint, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.secret = webhook_secret_new()
        super().save_model(request, obj, form, change)
        messages.warning(request, self._secret_message(obj))

    @staticmethod
    def _secret_message(endpoint: WebhookEndpoint) -> str:
        return format_html(
            _(
                "The signing secret of {url} is {secret}. Copy it into the receiving system now: "
                "it is not shown again."
            ),
            url=endpoint.url,
            secret=format_html("<code>{}</code>", endpoint.secret),
        )

    @admin.action(description=gettext_lazy("Give the selected endpoints a new secret"))
    def secret_rotate(self, request, queryset) -> None:
        for endpoint in queryset:
            endpoint.secret = webhook_secret_new()
            endpoint.save(update_fields=["secret"])
            self.log_change(request, endpoint, [{"changed": {"fields": ["secret"]}}])
            messages.warning(request, self._secret_message(endpoint))


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "attempted_at", "status_code", "error", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only, changed only by the delivery task."""

    list_display = ["created_at", "endpoint", "event_type", "status", "attempt_count"]
    list_filter = ["status", "event_type", "endpoint__clinic"]
    fields = ["endpoint", "event_type", "event_id", "status", "created_at", "finished_at", "body"]
    readonly_fields = fields
    inlines = [WebhookAttemptInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return (
            super()
            .get_queryset(request)
            .select_related("endpoint__clinic")
            .annotate(attempt_total=Count("attempts"))
        )

    @admin.display(description=gettext_lazy("attempts"), ordering="attempt_total")
    def attempt_count(self, obj) -> int:
        return obj.attempt_total

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
