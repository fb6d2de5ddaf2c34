"""Sign-in and sign-out hooks, for every way in and out (staff pages, admin, session limits)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.sessions import staff_session_start
from accounts.throttle import username_key
from feedback.audit import audit_record
from feedback.models import AuditEvent
from feedback.ratelimit import client_address


@receiver(user_logged_in, dispatch_uid="accounts.session_start")
def _session_start(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        staff_session_start(request.session)


@receiver(user_logged_out, dispatch_uid="accounts.sign_out_audit")
def _sign_out_audit(sender, request, user, **kwargs) -> None:
    """Audit the sign-out: by the user, or by the session limits (with the reason)."""
    if user is None:  # signing out someone who was not signed in
        return
    audit_record(
        actor=user,
        action=AuditEvent.Action.SIGN_OUT,
        username=username_key(user.get_username()),
        client_address=client_address(request) if request is not None else "",
        details={"reason": getattr(request, "staff_sign_out_reason", "signed_out")},
    )
