"""Forms of the two-factor pages: a code from the app (or a recovery code), or the password."""

from django import forms
from django.utils.translation import gettext_lazy as _


class AppCodeForm(forms.Form):
    """Six digits from the authenticator app."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        help_text=_("The 6-digit code your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, autofocus: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not autofocus:  # a form lower on a page must not pull the focus past its heading
            self.fields["code"].widget.attrs.pop("autofocus")

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Enter the 6 digits your app shows."), code="format")
        return code


class SignInCodeForm(forms.Form):
    """The second sign-in step: an app code or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=24,
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class TurnOffForm(forms.Form):
    secret = forms.CharField(
        label=_("Your password or a current code"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
