"""Staff account forms: Django's sign-in and password-reset forms with their limits."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from accounts.throttle import SignInLocked, password_reset_request_allowed, sign_in_attempt
from feedback.ratelimit import client_address


class ThrottledAuthenticationMixin:
    """The failure limit (per username and per address) around an authentication form's clean.

    Used by every sign-in form (staff and admin), so neither can be brute-forced.
    """

    throttled_message = _("Too many failed sign-in attempts. Please wait 15 minutes and try again.")

    def clean(self):
        # The username as the backend will see it (Unicode-normalised by the field), so
        # look-alike spellings of one account share its count.
        username = self.cleaned_data.get("username") or str(self.data.get("username", ""))
        address = client_address(self.request) if self.request else ""
        try:
            sign_in_attempt(
                username=username,
                client_address=address,
                credentials_check=self._credentials_check,
            )
        except SignInLocked:
            raise forms.ValidationError(self.throttled_message, code="throttled") from None
        return self.cleaned_data

    def _credentials_check(self):
        super().clean()  # Django's check: authenticate, then confirm_login_allowed
        return self.get_user()


class ThrottledAuthenticationForm(ThrottledAuthenticationMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationMixin, AdminAuthenticationForm):
    """The admin's sign-in form (staff accounts only) with the same limit."""


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, limited per e-mail and per address; whether the address belongs to
    an account changes nothing that is shown."""

    def __init__(self, *args, client_address: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.client_address = client_address

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if email and not password_reset_request_allowed(
            email=email, client_address=self.client_address
        ):
            raise forms.ValidationError(
                _("Too many password-reset requests. Please wait 15 minutes and try again."),
                code="throttled",
            )
        return cleaned
