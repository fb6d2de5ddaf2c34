"""Staff accounts: sign-in, sign-out, password reset and their protections."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401 - connects the sign-in/out receivers
        # Two-factor: the sign-in signal receiver and the read-only device admin.
        from accounts import two_factor, two_factor_admin  # noqa: F401
