"""Staff sign-in and sign-out (thin: Django's auth views with the throttled form)."""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from accounts.forms import ThrottledAuthenticationForm

_login_page = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=ThrottledAuthenticationForm,
    redirect_authenticated_user=True,
)


def staff_login(request: HttpRequest) -> HttpResponse:
    """The staff sign-in page: a plain function so later steps (e.g. a second factor) wrap it."""
    return _login_page(request)


staff_logout = auth_views.LogoutView.as_view()
