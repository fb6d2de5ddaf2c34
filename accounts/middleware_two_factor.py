"""Holds a half-signed-in session at the two-factor step until it is done.

A user with a confirmed device who has only given the password (django-otp's OTPMiddleware says
`user.is_verified()` is false) reaches nothing but the code page, sign-out and static files; an
admin who must set up two-factor (REQUIRE_ADMIN_2FA) reaches nothing but the setup pages. This
covers every view, /admin/ included, so no page can forget a decorator.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.two_factor import SecondStep, second_step_due

# URL names each step may reach (besides static files and the language switch).
_OPEN_DURING = {
    SecondStep.VERIFY: ("accounts:two_factor_verify", "accounts:logout"),
    SecondStep.SETUP: (
        "accounts:two_factor_setup",
        "accounts:two_factor_recovery_codes",
        "accounts:logout",
    ),
}
# The machine API (integrations.api), mounted under this path by compassion_portal.urls.
_API_PREFIX = "/api/"
_STEP_PAGE = {
    SecondStep.VERIFY: "accounts:two_factor_verify",
    SecondStep.SETUP: "accounts:two_factor_setup",
}


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or request.path.startswith(
            _API_PREFIX
        ):
            # No session, so nobody signed in; not touching the session keeps public pages
            # free of "Vary: Cookie" and of a session lookup. The machine API authenticates
            # by token alone and never reads the session, so a browser's half-signed-in
            # session must not turn its JSON answers into a redirect.
            return self.get_response(request)
        step = second_step_due(user=request.user, session=request.session)
        if step is None or self._is_open(request, step):
            return self.get_response(request)
        target = reverse(_STEP_PAGE[step])
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)

    @staticmethod
    def _is_open(request: HttpRequest, step: SecondStep) -> bool:
        if request.path.startswith(settings.STATIC_URL):  # settings adds the script prefix
            return True
        open_paths = {reverse(name) for name in (*_OPEN_DURING[step], "set_language")}
        return request.path in open_paths
