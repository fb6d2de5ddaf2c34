"""Staff views: sign-in and the leadership dashboard (thin: a form, a selector, a template)."""

from django.contrib.auth import views as auth_views

from analytics.forms import ThrottledAuthenticationForm

staff_login = auth_views.LoginView.as_view(
    template_name="analytics/login.html",
    authentication_form=ThrottledAuthenticationForm,
    redirect_authenticated_user=True,
)
