"""Staff sign-in form: Django's authentication form with a failure limit."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.throttle import login_failure_record, login_failures_clear, login_is_throttled
from feedback.ratelimit import client_address


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-in attempts. Please wait 15 minutes and try again."),
    }

    def clean(self):
        username = self.data.get("username", "")
        address = client_address(self.request) if self.request else ""
        if login_is_throttled(username=username, client_address=address):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(username=username, client_address=address)
            raise
        login_failures_clear(username=username)
        return cleaned
