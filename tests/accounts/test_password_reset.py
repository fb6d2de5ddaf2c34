"""Staff reset a forgotten password by e-mail (Django's views): the same answer whether or not
the address has an account, a link that sets a new password once, and a limit per address."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from feedback.models import AuditEvent
from tests.accounts.test_login import REDIS_DOWN

NEW_PASSWORD = "a-brand-new-passphrase-42"


@pytest.fixture
def manager(db):
    return User.objects.create_user(
        "manager", email="manager@clinic.example", password="old-password-123456"
    )


def ask_reset(client, email, *, address="127.0.0.1"):
    return client.post(
        reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address, follow=True
    )


def reset_link(message) -> str:
    return re.search(r"https?://\S+/accounts/password-reset/\S+/\S+/", message.body).group(0)


@override_settings(SITE_URL="https://portal.example.org")
def test_the_e_mailed_link_sets_a_new_password_once(client, manager):
    page = ask_reset(client, "Manager@Clinic.example")
    assert "Check your e-mail" in page.content.decode()
    [message] = mail.outbox
    assert message.to == ["manager@clinic.example"]
    link = reset_link(message)
    # The link is built from SITE_URL, not from whatever Host header the client sent.
    assert link.startswith("https://portal.example.org/accounts/password-reset/")
    path = link.removeprefix("https://portal.example.org")

    form_page = client.get(path, follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Password changed" in done.content.decode()
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="password_reset", actor=manager).exists()

    again = client.get(path, follow=True).content.decode()
    assert "This link does not work any more" in again


@pytest.mark.hardening
def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, manager):
    known = ask_reset(client, "manager@clinic.example", address="198.51.100.1")
    unknown = ask_reset(client, "nobody@clinic.example", address="198.51.100.2")
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    assert len(mail.outbox) == 1


@pytest.mark.hardening
@override_settings(PASSWORD_RESET_LIMIT=2)
def test_requests_are_limited_per_e_mail_address(client, manager):
    for number in range(2):
        ask_reset(client, "manager@clinic.example", address=f"198.51.100.{number}")
    page = ask_reset(client, "MANAGER@clinic.example", address="198.51.100.9")
    assert "Too many password-reset requests" in page.content.decode()
    assert len(mail.outbox) == 2


@pytest.mark.hardening
@override_settings(PASSWORD_RESET_LIMIT=2)
def test_requests_are_limited_per_client_address_whether_or_not_accounts_exist(client, manager):
    ask_reset(client, "a@clinic.example")
    ask_reset(client, "b@clinic.example")
    page = ask_reset(client, "manager@clinic.example")
    assert "Too many password-reset requests" in page.content.decode()
    assert mail.outbox == []


def test_sign_in_page_links_to_the_password_reset(client, db):
    page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:password_reset") in page


def test_the_admins_forgotten_password_link_leads_to_the_staff_reset(client, db):
    page = client.get(reverse("admin:login")).content.decode()
    assert reverse("admin_password_reset") in page
    answer = client.get(reverse("admin_password_reset"))
    assert answer.url == reverse("accounts:password_reset")


@pytest.mark.hardening
@pytest.mark.services
@override_settings(CACHES=REDIS_DOWN)
def test_password_reset_works_with_redis_down(client, manager):
    assert "Check your e-mail" in ask_reset(client, "manager@clinic.example").content.decode()
    assert len(mail.outbox) == 1


def test_the_reset_e_mail_is_in_the_language_of_the_request(client, manager):
    client.post(
        reverse("accounts:password_reset"),
        {"email": "manager@clinic.example"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    [message] = mail.outbox
    assert message.subject == "Compassion Portal: elija una contraseña nueva"
    assert "Para elegir una contraseña nueva, abra este enlace" in message.body
