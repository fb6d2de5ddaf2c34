"""Staff account routes: sign-in and sign-out (under /accounts/)."""

from django.urls import path

from accounts import two_factor_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("logout/", views.staff_logout, name="logout"),
    path("two-factor/", two_factor_views.two_factor_overview, name="two_factor"),
    path("two-factor/setup/", two_factor_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", two_factor_views.two_factor_verify, name="two_factor_verify"),
    path(
        "two-factor/recovery-codes/",
        two_factor_views.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path(
        "two-factor/recovery-codes/new/",
        two_factor_views.two_factor_recovery_codes_regenerate,
        name="two_factor_recovery_codes_regenerate",
    ),
    path("two-factor/off/", two_factor_views.two_factor_turn_off, name="two_factor_turn_off"),
]
