"""A manager's form to open a pulse round for their clinic and paste the staff list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.forms import TextareaWithoutNul

STAFF_LIST_MAX = 500


class PulseRoundOpenForm(forms.Form):
    opens_on = forms.DateField(label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(
        label=_("Closes on"),
        help_text=_("The last day answers are taken."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    staff_emails = forms.CharField(
        label=_("Staff e-mail addresses"),
        required=False,
        widget=TextareaWithoutNul(attrs={"rows": 6}),
        help_text=_(
            "One per line, optionally followed by a comma and a role group (ana@example.org, "
            "Nursing). Each gets a single-use link by e-mail; addresses are erased once used "
            "and when the round closes. A role group is kept with the answers only when at "
            "least %(n)d people of it are invited."
        ),
    )
    shared_link = forms.BooleanField(
        label=_("Also offer one shared link for the whole clinic"), required=False
    )
    support_text = forms.CharField(
        label=_("Support shown after answering"),
        required=False,
        max_length=4000,
        widget=TextareaWithoutNul(attrs={"rows": 3}),
        help_text=_("Self-care and peer-support resources. Nobody sees their own score."),
    )
    support_links = forms.CharField(
        label=_("Support links"),
        required=False,
        widget=TextareaWithoutNul(attrs={"rows": 3}),
        help_text=_("One per line: a name, then the address, e.g. Peer support https://..."),
    )

    def __init__(self, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["staff_emails"].help_text = self.fields["staff_emails"].help_text % {
            "n": settings.STAFF_MIN_GROUP_SIZE
        }
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-control")
        if not self.is_bound:
            self.initial.setdefault("opens_on", self.today)
            self.initial.setdefault("closes_on", self.today + dt.timedelta(days=21))

    def clean_staff_emails(self) -> list[tuple[str, str]]:
        """(address, role group) per line; the group after a comma or tab, "" without one."""
        entries = []
        for line in self.cleaned_data["staff_emails"].splitlines():
            email, _sep, group = line.replace("\t", ",").partition(",")
            if email.strip():
                entries.append((email.strip(), " ".join(group.split())[:60]))
        emails = [email for email, _group in entries]
        if len(emails) > STAFF_LIST_MAX:
            raise ValidationError(
                _("At most %(max)d addresses at a time.") % {"max": STAFF_LIST_MAX}
            )
        bad = []
        for email in emails:
            try:
                forms.EmailField().clean(email)
            except ValidationError:
                bad.append(email)
        if bad:
            raise ValidationError(
                _("Not an e-mail address: %(lines)s") % {"lines": ", ".join(bad[:5])}
            )
        return entries

    def clean_support_links(self) -> list[dict[str, str]]:
        links = []
        for line in self.cleaned_data["support_links"].splitlines():
            if not line.strip():
                continue
            label, _space, url = line.strip().rpartition(" ")
            try:
                URLValidator(schemes=["https", "http"])(url)
            except ValidationError:
                raise ValidationError(
                    _("Each line needs a name and then an address starting with https://: %(line)s")
                    % {"line": line.strip()[:200]}
                ) from None
            links.append({"label": label.strip() or url, "url": url})
        return links

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
        if opens_on and closes_on:
            if closes_on < opens_on:
                self.add_error("closes_on", _("A round cannot close before it opens."))
            elif closes_on < self.today:
                self.add_error(
                    "closes_on", _("This date has passed: a round must close today or later.")
                )
            elif data.get("staff_emails") and opens_on > self.today:
                self.add_error(
                    "opens_on",
                    _(
                        "Links can only be sent once the round is open: open it today, or leave "
                        "the staff list empty."
                    ),
                )
        return data


class ScatterRoundsForm(forms.Form):
    """Which rounds the scatter compares: each clinic's latest round opened by this day."""

    until = forms.DateField(
        label=_("Latest round opened by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        help_text=_("Leave empty for each clinic's latest round."),
    )
