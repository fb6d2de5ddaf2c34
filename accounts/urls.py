"""Staff account routes (under /accounts/): sign-in, sign-out and password reset by e-mail."""

from django.urls import path

from accounts import two_factor_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("logout/", views.staff_logout, name="logout"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.password_reset_complete, name="password_reset_complete"),
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
