"""Staff accounts: sign-in, sign-out, password reset and their protections."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # The sign-in/out audit receivers; two-factor's sign-in receiver and read-only device admin.
        from accounts import signals, two_factor, two_factor_admin  # noqa: F401
