"""Two-factor sign-in rules: TOTP devices and recovery codes (django-otp), and who must use them.

All the cryptography (keys, TOTP, replay and per-device throttling) is django-otp's; this module
only decides which device checks a code, when a session still owes a second step, and keeps the
sign-in failure throttle counting wrong codes like wrong passwords.
"""

import enum
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.dispatch import receiver
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.throttle import login_failure_record, login_failures_clear, login_is_throttled

RECOVERY_CODE_COUNT = 10
# Set at sign-in (and after a check) when the user had no confirmed device: later requests of
# that session then skip the device query. Verified sessions are recognised by django-otp.
NO_DEVICE_AT_SIGN_IN_KEY = "two_factor_no_device"


class SecondStep(enum.StrEnum):
    """What a signed-in session still has to do before it may see staff pages."""

    VERIFY = "verify"  # has a confirmed device: enter a code
    SETUP = "setup"  # an admin while REQUIRE_ADMIN_2FA is on, with no device yet


class CodeCheck(enum.StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    THROTTLED = "throttled"


def admin_two_factor_required(*, user: AbstractBaseUser) -> bool:
    return settings.REQUIRE_ADMIN_2FA and user.is_superuser


def two_factor_enabled(*, user: AbstractBaseUser) -> bool:
    """True once the user has confirmed an authenticator app (recovery codes alone do not count)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def second_step_due(*, user: AbstractBaseUser, session: SessionBase) -> SecondStep | None:
    """The step this session owes before anything but the two-factor pages is served, if any."""
    if not user.is_authenticated:
        return None
    if admin_two_factor_required(user=user):
        # Checked on every request: turning the setting on reaches admins already signed in.
        if user.is_verified():
            return None
        return SecondStep.VERIFY if user_has_device(user) else SecondStep.SETUP
    if session.get(NO_DEVICE_AT_SIGN_IN_KEY) or user.is_verified():
        return None
    if user_has_device(user):
        return SecondStep.VERIFY
    session[NO_DEVICE_AT_SIGN_IN_KEY] = True
    return None


def sign_in_two_factor_note(*, user: AbstractBaseUser, session: SessionBase) -> None:
    """At sign-in: remember whether the user had no device, so most requests need no query."""
    session[NO_DEVICE_AT_SIGN_IN_KEY] = not user_has_device(user)


def _device_for_code(*, user: AbstractBaseUser, code: str) -> Device | None:
    """The device that accepts `code`: six digits go to the app, anything else to recovery codes.

    Routing by shape keeps a mistyped app code from locking the recovery codes (django-otp
    throttles each device on its own failures) and lets a recovery code be used only once.
    """
    model = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(code):
                return device
    return None


def code_normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def second_factor_check(
    *, user: AbstractBaseUser, code: str, client_address: str
) -> tuple[CodeCheck, Device | None]:
    """Check an app or recovery code under the sign-in throttle; a wrong one counts as a failure."""
    username = user.get_username()
    if login_is_throttled(username=username, client_address=client_address):
        return CodeCheck.THROTTLED, None
    device = _device_for_code(user=user, code=code_normalise(code))
    if device is None:
        login_failure_record(username=username, client_address=client_address)
        return CodeCheck.WRONG, None
    login_failures_clear(username=username)
    return CodeCheck.ACCEPTED, device


def password_or_code_check(
    *, user: AbstractBaseUser, secret: str, client_address: str
) -> CodeCheck:
    """Turning two-factor off asks for proof of either factor; failures count like sign-ins."""
    username = user.get_username()
    if login_is_throttled(username=username, client_address=client_address):
        return CodeCheck.THROTTLED
    if user.check_password(secret):
        return CodeCheck.ACCEPTED
    result, _device = second_factor_check(user=user, code=secret, client_address=client_address)
    return result


def totp_device_pending(*, user: AbstractBaseUser) -> TOTPDevice:
    """The user's unconfirmed authenticator, kept so the QR code stays the same across reloads."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def totp_key_for_typing(*, device: TOTPDevice) -> str:
    """The base32 key in groups of four, for people who cannot scan the QR code."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def totp_qr_svg(*, device: TOTPDevice, title: str) -> str:
    """The otpauth:// address as an inline SVG QR code (no image request, nothing to leak)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=2, title=title, dark="#000", light="#fff"
    )


@transaction.atomic
def totp_setup_confirm(*, user: AbstractBaseUser, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending authenticator with a current code; then issue fresh recovery codes."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None or not device.verify_token(code_normalise(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, recovery_codes_regenerate(user=user)


@transaction.atomic
def recovery_codes_regenerate(*, user: AbstractBaseUser) -> list[str]:
    """Ten new one-time recovery codes; every earlier code stops working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(*, user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def two_factor_turn_off(*, user: AbstractBaseUser) -> None:
    """Remove every device of the user (the authenticator and the recovery codes)."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()


def recovery_code_display(code: str) -> str:
    """Recovery codes shown as abcd-efgh; the dash and spaces are ignored when typed."""
    return f"{code[:4]}-{code[4:]}"


@receiver(user_logged_in)
def _two_factor_note_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        sign_in_two_factor_note(user=user, session=request.session)
