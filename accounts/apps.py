"""Staff accounts: sign-in, sign-out and their protections."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
