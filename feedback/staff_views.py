"""Staff pages for testimonials and service recovery: moderation queue, follow-ups, kudos.

Every object is fetched through the access helper (clinics_for_user), so a manager asking for
another clinic's testimonial, follow-up or provider gets the same 404 as for one that does not
exist. Views are thin: a form, one service call, a redirect.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from feedback.access import clinics_for_user, object_for_user
from feedback.follow_ups import NOTE_MAX_LENGTH, follow_up_handle, follow_ups_for_clinics
from feedback.models import FollowUp, Provider, Testimonial
from feedback.testimonials import (
    ModerationRefused,
    comment_redacted,
    provider_kudos,
    provider_names_by_clinic,
    testimonial_approve,
    testimonial_original_purge,
    testimonial_redaction_edit,
    testimonial_reject,
    testimonials_for_moderation,
)


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("approve", "reject", "edit", "purge")])
    text = forms.CharField(required=False, max_length=4000, strip=True)
    reason = forms.CharField(required=False, max_length=500, strip=True)


class FollowUpForm(forms.Form):
    note = forms.CharField(
        required=True,
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _testimonial_for_user(request: HttpRequest, pk: int) -> Testimonial:
    return object_for_user(
        request,
        Testimonial.objects.select_related("response__clinic"),
        pk=pk,
        clinic_path="response__clinic",
        kind="testimonial",
    )


def _status_param(request: HttpRequest, choices, default: str) -> str:
    status = request.GET.get("status", default)
    return status if status in dict(choices) else default


@never_cache
@login_required
@require_GET
def moderation_queue(request: HttpRequest) -> HttpResponse:
    status = _status_param(request, Testimonial.Status.choices, Testimonial.Status.PENDING)
    testimonials = testimonials_for_moderation(
        clinics=clinics_for_user(request.user), status=status
    )
    return render(
        request,
        "staff/moderation_queue.html",
        {
            "testimonials": testimonials,
            "status": status,
            "statuses": Testimonial.Status.choices,
            # For the "put the stories on your website" snippet shown to each clinic's managers.
            "clinics": clinics_for_user(request.user),
            "site_url": settings.SITE_URL,
        },
    )


@never_cache
@login_required
@require_POST
def testimonial_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    testimonial = _testimonial_for_user(request, pk)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That did not work: the form was incomplete."))
        return _back_to_queue(request)
    action = form.cleaned_data["action"]
    try:
        if action == "approve":
            testimonial_approve(testimonial=testimonial, actor=request.user)
            messages.success(request, _("Approved."))
        elif action == "reject":
            testimonial_reject(
                testimonial=testimonial, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Rejected."))
        elif action == "edit":
            testimonial_redaction_edit(
                testimonial=testimonial, actor=request.user, text=form.cleaned_data["text"]
            )
            messages.success(request, _("Redaction saved."))
        else:
            testimonial_original_purge(testimonial=testimonial, actor=request.user)
            messages.success(request, _("Original text purged."))
    except ModerationRefused as exc:
        messages.error(request, _("Not changed: %(reason)s.") % {"reason": exc})
    except PermissionDenied:
        raise Http404("No such testimonial.") from None
    return _back_to_queue(request)


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    """To the tab the moderator came from (a known status only, never a free URL)."""
    status = request.POST.get("status", "")
    query = f"?status={status}" if status in dict(Testimonial.Status.choices) else ""
    return redirect(reverse("staff:moderation_queue") + query)


@never_cache
@login_required
@require_GET
def follow_up_list(request: HttpRequest) -> HttpResponse:
    status = _status_param(request, FollowUp.Status.choices, FollowUp.Status.OPEN)
    rows = list(follow_ups_for_clinics(clinics=clinics_for_user(request.user), status=status))
    names = provider_names_by_clinic(row.clinic_id for row in rows)
    follow_ups = [
        (row, comment_redacted(response=row.response, provider_names=names[row.clinic_id]))
        for row in rows
    ]
    return render(
        request,
        "staff/follow_ups.html",
        {
            "follow_ups": follow_ups,
            "status": status,
            "statuses": FollowUp.Status.choices,
            "form": FollowUpForm(),
        },
    )


@never_cache
@login_required
@require_POST
def follow_up_mark_handled(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = object_for_user(
        request, FollowUp.objects, pk=pk, clinic_path="clinic", kind="follow_up"
    )
    form = FollowUpForm(request.POST)
    if form.is_valid():
        follow_up_handle(follow_up=follow_up, actor=request.user, note=form.cleaned_data["note"])
        messages.success(request, _("Marked as handled."))
    else:
        messages.error(request, _("Write a short note about what was done."))
    return redirect("staff:follow_ups")


@never_cache
@login_required
@require_GET
def provider_kudos_page(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = object_for_user(
        request,
        Provider.objects.select_related("clinic"),
        pk=provider_id,
        clinic_path="clinic",
        kind="provider",
    )
    return render(
        request,
        "staff/provider_kudos.html",
        {
            "provider": provider,
            "kudos": provider_kudos(provider=provider),
        },
    )
