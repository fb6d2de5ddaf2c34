"""Staff sign-in, sign-out and password reset (thin: Django's auth views with the limited forms)."""

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from accounts.forms import ThrottledAuthenticationForm, ThrottledPasswordResetForm
from feedback.audit import audit_record
from feedback.models import AuditEvent
from feedback.ratelimit import client_address

_login_page = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=ThrottledAuthenticationForm,
    redirect_authenticated_user=True,
)


def staff_login(request: HttpRequest) -> HttpResponse:
    """The staff sign-in page: a plain function so later steps (e.g. a second factor) wrap it."""
    return _login_page(request)


staff_logout = auth_views.LogoutView.as_view()


class _PasswordResetRequest(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self) -> dict[str, Any]:
        # The link starts with SITE_URL, never with the Host header a client sent.
        return {"site_url": settings.SITE_URL}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "client_address": client_address(self.request)}


class _PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(
            actor=form.user,
            action=AuditEvent.Action.PASSWORD_RESET,
            username=form.user.get_username().lower(),
            client_address=client_address(self.request),
        )
        return response


password_reset = _PasswordResetRequest.as_view()
password_reset_sent = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_sent.html"
)
password_reset_confirm = _PasswordResetConfirm.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
