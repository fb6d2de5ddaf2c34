"""Two-factor sign-in: setup with a real TOTP code, the code step at sign-in, recovery codes,
the shared failure throttle, and REQUIRE_ADMIN_2FA for admins."""

import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import recovery_codes_regenerate
from tests.conftest import ADMIN_PASSWORD, MANAGER_PASSWORD

DASHBOARD = "/dashboard/"
ADMIN = "/admin/"
VERIFY = reverse("accounts:two_factor_verify")
SETUP = reverse("accounts:two_factor_setup")
TWO_FACTOR = reverse("accounts:two_factor")


@pytest.fixture(autouse=True)
def _clear_throttle(instrument):  # the dashboard needs the survey instrument
    cache.clear()
    yield
    cache.clear()


def app_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """What the authenticator app shows: a real TOTP of the device's key (RFC 6238)."""
    if steps_ahead:
        return f"{TOTP(device.bin_key, drift=steps_ahead).token():06d}"
    return f"{totp(device.bin_key):06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def sign_in(client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def verify(client, code: str, next_url: str = ""):
    return client.post(VERIFY, {"code": code, "next": next_url})


def codes_on_page(html: str) -> list[str]:
    listing = re.search(r'data-testid="recovery-codes">(.*?)</ol>', html, re.S).group(1)
    return re.findall(r"<li[^>]*>([a-z2-7]{4}-[a-z2-7]{4})</li>", listing)


# --- Setup -----------------------------------------------------------------------------------


def test_setup_page_shows_a_qr_code_and_the_key_of_a_still_unconfirmed_device(client, manager_a):
    client.force_login(manager_a)
    html = client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=manager_a)
    assert not device.confirmed
    assert "<svg" in html and "<script" not in html
    typed_key = re.search(r'data-testid="totp-key">([A-Z2-7 ]+)<', html).group(1)
    assert typed_key.replace(" ", "") in device.config_url
    client.get(SETUP)  # a reload keeps the same key, so a scanned code keeps working
    assert TOTPDevice.objects.get(user=manager_a).key == device.key


@pytest.mark.hardening
def test_setup_confirms_the_device_only_with_a_valid_code(client, manager_a):
    client.force_login(manager_a)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=manager_a)
    wrong = f"{(int(app_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=manager_a).exists()

    device.throttle_reset()  # django-otp's own per-device back-off after the wrong code
    response = client.post(SETUP, {"code": app_code(device)}, follow=True)
    device.refresh_from_db()
    assert device.confirmed
    html = response.content.decode()
    assert "Store these now" in html
    codes = codes_on_page(html)
    assert len(codes) == 10 == StaticToken.objects.filter(device__user=manager_a).count()


def test_recovery_codes_are_shown_once(client, manager_a):
    client.force_login(manager_a)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=manager_a)
    client.post(SETUP, {"code": app_code(device)})
    assert codes_on_page(client.get(reverse("accounts:two_factor_recovery_codes")).content.decode())
    again = client.get(reverse("accounts:two_factor_recovery_codes"))
    assert again.status_code == 302 and again.url == TWO_FACTOR


# --- The code step at sign-in ----------------------------------------------------------------


@pytest.mark.hardening
def test_sign_in_with_a_device_and_no_code_reaches_neither_the_dashboard_nor_the_admin(
    client, admin_user
):
    confirmed_device(admin_user)
    assert sign_in(client, "admin", ADMIN_PASSWORD).status_code == 302
    for path in (
        DASHBOARD,
        ADMIN,
        "/admin/auth/user/",
        "/staff/follow-ups/",
        "/exports/",
        TWO_FACTOR,
        SETUP,
        reverse("accounts:login"),
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(VERIFY), path
    assert client.post("/admin/auth/user/add/", {"username": "x"}).url == VERIFY
    assert client.get(VERIFY).status_code == 200


def test_a_right_app_code_finishes_sign_in_and_returns_to_the_page_asked_for(client, manager_a):
    device = confirmed_device(manager_a)
    sign_in(client, "manager_a", MANAGER_PASSWORD)
    assert client.get(DASHBOARD).url == f"{VERIFY}?next=%2Fdashboard%2F"
    response = verify(client, app_code(device), next_url=DASHBOARD)
    assert response.status_code == 302 and response.url == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200


def test_a_right_app_code_opens_the_admin_site_for_an_admin(client, admin_user):
    device = confirmed_device(admin_user)
    sign_in(client, "admin", ADMIN_PASSWORD)
    verify(client, app_code(device))
    assert client.get(ADMIN).status_code == 200


@pytest.mark.hardening
def test_the_code_step_ignores_a_next_address_on_another_site(client, manager_a):
    device = confirmed_device(manager_a)
    sign_in(client, "manager_a", MANAGER_PASSWORD)
    response = verify(client, app_code(device), next_url="https://evil.example/")
    assert response.url == DASHBOARD


@pytest.mark.hardening
def test_an_app_code_works_only_once(client, manager_a):
    device = confirmed_device(manager_a)
    code = app_code(device)
    sign_in(client, "manager_a", MANAGER_PASSWORD)
    assert verify(client, code).status_code == 302
    other = client.__class__()
    sign_in(other, "manager_a", MANAGER_PASSWORD)
    assert verify(other, code).status_code == 200  # replayed: refused
    assert other.get(DASHBOARD).url.startswith(VERIFY)


@pytest.mark.hardening
def test_a_recovery_code_works_once_and_not_twice(client, manager_a):
    confirmed_device(manager_a)
    code = recovery_codes_regenerate(user=manager_a)[0]
    sign_in(client, "manager_a", MANAGER_PASSWORD)
    assert verify(client, f"{code[:4]}-{code[4:]}".upper()).status_code == 302
    assert client.get(DASHBOARD).status_code == 200
    client.post(reverse("accounts:logout"))

    sign_in(client, "manager_a", MANAGER_PASSWORD)
    response = verify(client, code)
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get(DASHBOARD).url.startswith(VERIFY)
    assert StaticToken.objects.filter(device__user=manager_a).count() == 9


@pytest.mark.hardening
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_wrong_codes_are_throttled_like_wrong_passwords(client, manager_a):
    device = confirmed_device(manager_a)
    sign_in(client, "manager_a", MANAGER_PASSWORD)
    wrong = f"{(int(app_code(device)) + 500_000) % 1_000_000:06d}"
    for _ in range(3):
        assert verify(client, wrong).status_code == 200
    device.throttle_reset()  # only the portal's sign-in throttle is left to refuse

    response = verify(client, app_code(device))
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get(DASHBOARD).url.startswith(VERIFY)
    # The same throttle now refuses the right password too.
    second = client.__class__()
    refused = sign_in(second, "manager_a", MANAGER_PASSWORD)
    assert "Too many failed sign-in attempts" in refused.content.decode()


@pytest.mark.hardening
def test_a_half_signed_in_user_cannot_enrol_a_new_device_to_skip_the_code(client, manager_a):
    confirmed_device(manager_a)
    sign_in(client, "manager_a", MANAGER_PASSWORD)
    assert client.get(SETUP).url.startswith(VERIFY)
    assert client.post(SETUP, {"code": "123456"}).url.startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=manager_a).count() == 1


@pytest.mark.hardening
def test_a_half_signed_in_user_cannot_turn_two_factor_off_with_the_password(client, manager_a):
    confirmed_device(manager_a)
    sign_in(client, "manager_a", MANAGER_PASSWORD)
    response = client.post(reverse("accounts:two_factor_turn_off"), {"secret": MANAGER_PASSWORD})
    assert response.url.startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=manager_a, confirmed=True).exists()


def test_a_user_without_a_device_signs_in_with_the_password_alone(client, manager_a):
    sign_in(client, "manager_a", MANAGER_PASSWORD)
    assert client.get(DASHBOARD).status_code == 200


def test_the_two_factor_pages_speak_spanish(client, manager_a):
    confirmed_device(manager_a)
    sign_in(client, "manager_a", MANAGER_PASSWORD)
    page = client.get(VERIFY, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Escriba su código de acceso" in page and "Salir" in page


# --- REQUIRE_ADMIN_2FA -----------------------------------------------------------------------


@pytest.mark.hardening
@override_settings(REQUIRE_ADMIN_2FA=True)
def test_required_admin_2fa_sends_an_admin_without_a_device_to_setup_and_nowhere_else(
    client, admin_user
):
    sign_in(client, "admin", ADMIN_PASSWORD)
    for path in (DASHBOARD, ADMIN, "/admin/auth/user/", TWO_FACTOR, VERIFY):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith(SETUP), path
    page = client.get(SETUP)
    assert "Administrators must use two-factor sign-in" in page.content.decode()

    device = TOTPDevice.objects.get(user=admin_user)
    client.post(SETUP, {"code": app_code(device)})
    assert client.get(ADMIN).status_code == 200
    assert client.get(DASHBOARD).status_code == 200


@override_settings(REQUIRE_ADMIN_2FA=True)
def test_required_admin_2fa_asks_an_admin_with_a_device_for_the_code(client, admin_user):
    device = confirmed_device(admin_user)
    sign_in(client, "admin", ADMIN_PASSWORD)
    assert client.get(ADMIN).url.startswith(VERIFY)
    verify(client, app_code(device))
    assert client.get(ADMIN).status_code == 200


@override_settings(REQUIRE_ADMIN_2FA=True)
def test_required_admin_2fa_reaches_an_admin_already_signed_in(client, admin_user):
    with override_settings(REQUIRE_ADMIN_2FA=False):
        sign_in(client, "admin", ADMIN_PASSWORD)
    assert client.get(ADMIN).url.startswith(SETUP)


@override_settings(REQUIRE_ADMIN_2FA=False)
def test_without_required_admin_2fa_an_admin_without_a_device_signs_in_as_before(
    client, admin_user
):
    sign_in(client, "admin", ADMIN_PASSWORD)
    assert client.get(ADMIN).status_code == 200
    assert client.get(DASHBOARD).status_code == 200


@override_settings(REQUIRE_ADMIN_2FA=True)
def test_required_admin_2fa_leaves_a_manager_without_a_device_alone(client, manager_a):
    sign_in(client, "manager_a", MANAGER_PASSWORD)
    assert client.get(DASHBOARD).status_code == 200
    assert not TOTPDevice.objects.filter(user=manager_a).exists()


@pytest.mark.hardening
@override_settings(REQUIRE_ADMIN_2FA=True)
def test_an_admin_cannot_turn_two_factor_off_while_it_is_required(client, admin_user):
    device = confirmed_device(admin_user)
    sign_in(client, "admin", ADMIN_PASSWORD)
    verify(client, app_code(device))
    client.post(reverse("accounts:two_factor_turn_off"), {"secret": ADMIN_PASSWORD})
    assert TOTPDevice.objects.filter(user=admin_user).exists()


# --- Managing recovery codes and turning off -------------------------------------------------


def signed_in_with_device(client, user, password) -> TOTPDevice:
    device = confirmed_device(user)
    sign_in(client, user.get_username(), password)
    verify(client, app_code(device))
    return device


def test_new_recovery_codes_need_a_current_code_and_void_the_old_ones(client, manager_a):
    device = signed_in_with_device(client, manager_a, MANAGER_PASSWORD)
    old = recovery_codes_regenerate(user=manager_a)
    regenerate = reverse("accounts:two_factor_recovery_codes_regenerate")

    client.post(regenerate, {"code": "000000" if app_code(device) != "000000" else "111111"})
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(old)

    device.throttle_reset()
    response = client.post(regenerate, {"code": app_code(device, steps_ahead=1)}, follow=True)
    new = [code.replace("-", "") for code in codes_on_page(response.content.decode())]
    assert len(new) == 10
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(new)
    assert not set(old) & set(new)


def test_turning_two_factor_off_needs_the_password_or_a_code(client, manager_a):
    signed_in_with_device(client, manager_a, MANAGER_PASSWORD)
    recovery_codes_regenerate(user=manager_a)
    turn_off = reverse("accounts:two_factor_turn_off")
    client.post(turn_off, {"secret": "not-my-password"})
    assert TOTPDevice.objects.filter(user=manager_a).exists()

    client.post(turn_off, {"secret": MANAGER_PASSWORD})
    assert not TOTPDevice.objects.filter(user=manager_a).exists()
    assert not StaticDevice.objects.filter(user=manager_a).exists()
    assert client.get(DASHBOARD).status_code == 200
    client.post(reverse("accounts:logout"))
    sign_in(client, "manager_a", MANAGER_PASSWORD)
    assert client.get(DASHBOARD).status_code == 200


# --- The admin site --------------------------------------------------------------------------


def test_the_admin_lists_devices_without_their_keys_and_removes_a_lost_phone(
    client, admin_user, manager_a
):
    lost = confirmed_device(manager_a)
    codes = recovery_codes_regenerate(user=manager_a)
    client.force_login(admin_user)
    listing = client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200 and "manager_a" in listing.content.decode()
    page = client.get(f"/admin/otp_totp/totpdevice/{lost.pk}/change/").content.decode()
    assert lost.key not in page and "qrcode" not in page
    static_page = client.get("/admin/otp_static/staticdevice/").content.decode()
    assert not any(code in static_page for code in codes)
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403

    client.post(f"/admin/otp_totp/totpdevice/{lost.pk}/delete/", {"post": "yes"})
    static = StaticDevice.objects.get(user=manager_a)
    client.post(f"/admin/otp_static/staticdevice/{static.pk}/delete/", {"post": "yes"})
    other = client.__class__()
    sign_in(other, "manager_a", MANAGER_PASSWORD)
    assert other.get(DASHBOARD).status_code == 200
