"""Two-factor devices in the admin: listed read-only, never their keys or codes; deletable.

django-otp's own admin can show a device's key and QR code and add devices for anyone, so it is
replaced. Deleting a user's devices is how an admin helps someone who lost their phone: they then
sign in with the password alone and set two-factor up again.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class TwoFactorDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class RecoveryCodesAdmin(TwoFactorDeviceAdmin):
    list_display = (*TwoFactorDeviceAdmin.list_display, "codes_left")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tokens_left=Count("token_set"))

    @admin.display(description=_("Codes left"), ordering="tokens_left")
    def codes_left(self, device: StaticDevice) -> int:
        return device.tokens_left


for model, model_admin in ((TOTPDevice, TwoFactorDeviceAdmin), (StaticDevice, RecoveryCodesAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
