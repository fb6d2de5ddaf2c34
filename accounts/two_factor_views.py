"""Two-factor pages: overview, setup with a QR code, recovery codes, turning off, the sign-in code.

The rules live in accounts.two_factor; TwoFactorMiddleware sends half-signed-in sessions here.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from accounts import two_factor
from accounts.two_factor import CodeCheck, SecondStep
from accounts.two_factor_forms import AppCodeForm, SignInCodeForm, TurnOffForm
from feedback.ratelimit import client_address

# Fresh recovery codes wait here between the POST that makes them and the one page showing them.
NEW_CODES_SESSION_KEY = "two_factor_new_codes"


def _wrong_code_message() -> str:
    return _("That code is not right. Check the time on your phone and try the newest code.")


def _throttled_message() -> str:
    return _("Too many failed sign-in attempts. Please wait 15 minutes and try again.")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _codes_show_next(request: HttpRequest, codes: list[str]) -> HttpResponse:
    request.session[NEW_CODES_SESSION_KEY] = codes
    return redirect("accounts:two_factor_recovery_codes")


@login_required
def two_factor_overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "enabled": two_factor.two_factor_enabled(user=user),
        "required": two_factor.admin_two_factor_required(user=user),
        "codes_left": two_factor.recovery_codes_left(user=user),
        "regenerate_form": AppCodeForm(auto_id="regenerate_%s", autofocus=False),
        "turn_off_form": TurnOffForm(),
    }
    return render(request, "accounts/two_factor/overview.html", context)


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user_has_device(user) and not user.is_verified():
        return redirect("accounts:two_factor_verify")  # no new device without the first one
    if two_factor.two_factor_enabled(user=user):
        return redirect("accounts:two_factor")
    device = two_factor.totp_device_pending(user=user)
    form = AppCodeForm(request.POST or None)
    if form.is_valid():
        confirmed = two_factor.totp_setup_confirm(user=user, code=form.cleaned_data["code"])
        if confirmed is None:
            form.add_error("code", _wrong_code_message())
        else:
            confirmed_device, codes = confirmed
            request.session.cycle_key()
            otp_login(request, confirmed_device)
            messages.success(request, _("Two-factor sign-in is on."))
            return _codes_show_next(request, codes)
    context = {
        "form": form,
        "qr_svg": two_factor.totp_qr_svg(device=device, title=_("QR code for your app")),
        "typed_key": two_factor.totp_key_for_typing(device=device),
        "required": two_factor.admin_two_factor_required(user=user),
    }
    response = render(request, "accounts/two_factor/setup.html", context)
    response["Cache-Control"] = "no-store"  # the page carries the secret key
    return response


@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Shows codes made by the previous request exactly once; a reload shows them no more."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("accounts:two_factor")
    shown = [two_factor.recovery_code_display(code) for code in codes]
    response = render(request, "accounts/two_factor/recovery_codes.html", {"codes": shown})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def two_factor_recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = AppCodeForm(request.POST, auto_id="regenerate_%s")
    if form.is_valid() and two_factor.two_factor_enabled(user=user):
        result, _device = two_factor.second_factor_check(
            user=user, code=form.cleaned_data["code"], client_address=client_address(request)
        )
        if result == CodeCheck.ACCEPTED:
            return _codes_show_next(request, two_factor.recovery_codes_regenerate(user=user))
        throttled = result == CodeCheck.THROTTLED
        messages.error(request, _throttled_message() if throttled else _wrong_code_message())
    else:
        messages.error(request, _wrong_code_message())
    return redirect("accounts:two_factor")


@login_required
@require_POST
def two_factor_turn_off(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user_has_device(user) and not user.is_verified():
        return redirect("accounts:two_factor_verify")  # the password alone must not remove it
    if two_factor.admin_two_factor_required(user=user):
        messages.error(request, _("Administrators must keep two-factor sign-in on."))
        return redirect("accounts:two_factor")
    form = TurnOffForm(request.POST)
    result = CodeCheck.WRONG
    if form.is_valid():
        result = two_factor.password_or_code_check(
            user=user, secret=form.cleaned_data["secret"], client_address=client_address(request)
        )
    if result == CodeCheck.ACCEPTED:
        two_factor.two_factor_turn_off(user=user)
        request.session[two_factor.NO_DEVICE_AT_SIGN_IN_KEY] = True
        messages.success(request, _("Two-factor sign-in is off."))
    elif result == CodeCheck.THROTTLED:
        messages.error(request, _throttled_message())
    else:
        messages.error(request, _("That is neither your password nor a current code."))
    return redirect("accounts:two_factor")


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: the password was right; now an app code or a recovery code."""
    user = request.user
    step = two_factor.second_step_due(user=user, session=request.session)
    if step == SecondStep.SETUP:
        return redirect("accounts:two_factor_setup")
    if step is None:
        return redirect(_safe_next(request))
    form = SignInCodeForm(request.POST or None)
    if form.is_valid():
        result, device = two_factor.second_factor_check(
            user=user, code=form.cleaned_data["code"], client_address=client_address(request)
        )
        if result == CodeCheck.ACCEPTED:
            request.session.cycle_key()
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error(
            "code",
            _throttled_message()
            if result == CodeCheck.THROTTLED
            else _(
                "That code is not right. Try the newest code from your app, or a recovery code "
                "you have not used yet."
            ),
        )
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "accounts/two_factor/verify.html", {"form": form, "next": next_url})
