"""The patient survey form, built from an instrument definition in the patient's language."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, Submit
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext as _

from feedback.instrument_definition import InstrumentDefinition, Item
from feedback.models import Testimonial
from feedback.texts import language_nearest, text_in

# The value a "Does not apply" radio submits; passed to response_submit as None.
NOT_APPLICABLE = "na"
# Item fields get a prefix so an item id can never collide with the comment or story fields.
ITEM_PREFIX = "q_"
STORY_MAX_LENGTH = 2000
RADIO_TEMPLATE = "feedback/fields/radio.html"
TEXT_TEMPLATE = "feedback/fields/text.html"


def _end_words(label: str) -> str:
    """ "0 - Not at all likely" -> "Not at all likely"; a label without words stays as it is."""
    return re.sub(r"^\s*-?\d+\s*[-\u2013\u2014:]\s*", "", label) or label


class TextareaWithoutNul(forms.Textarea):
    """Shows submitted text again without NUL characters, which HTML cannot carry."""

    def format_value(self, value: Any) -> str | None:
        value = super().format_value(value)
        return value.replace("\x00", "") if value else value


class TextInputWithoutNul(forms.TextInput):
    def format_value(self, value: Any) -> str | None:
        value = super().format_value(value)
        return value.replace("\x00", "") if value else value


def _text_error_messages() -> dict[str, str]:
    return {
        "max_length": _(
            "This is too long. Use %(limit_value)d characters or fewer (you used %(show_value)d)."
        ),
        "null_characters_not_allowed": _(
            "This had a hidden character we cannot save, so we took it out. Please check"
            " your words and send them again."
        ),
    }


class SurveyForm(forms.Form):
    """One radio group per item, then the comment and an optional story with consent.

    Radios are rendered without the ``required`` attribute and the form with ``novalidate`` so
    every problem reaches the server and is shown in the same error summary. The form has
    ``autocomplete="off"``: with it Chromium does not fill a survey reloaded by Back with the
    previous patient's answers. ``unreadable_fields`` names fields whose bytes were not UTF-8
    (see feedback.form_encoding); they, and any field sent more than once, are refused.
    """

    def __init__(
        self,
        *args: Any,
        definition: InstrumentDefinition,
        language: str,
        unreadable_fields: Collection[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.language = language
        self.unreadable_fields = unreadable_fields
        for number, item in enumerate(definition.items, start=1):
            self.fields[ITEM_PREFIX + item.id] = self._item_field(item, number)
            self.fields[ITEM_PREFIX + item.id].survey_total = len(definition.items)

        text = _text_error_messages()
        self.fields["comment"] = forms.CharField(
            label=text_in(definition.comment_prompt, language)
            or _("Is there anything else you want to tell us? (You can leave this empty.)"),
            required=False,
            max_length=definition.comment_max_length,
            widget=TextareaWithoutNul(attrs={"rows": 4}),
            error_messages=text,
        )
        self.fields["story"] = forms.CharField(
            label=_(
                "Would you like to share a short story about your care? (You can leave this empty.)"
            ),
            help_text=_("The clinic reads every story. You choose below if others may see it."),
            required=False,
            max_length=STORY_MAX_LENGTH,
            widget=TextareaWithoutNul(attrs={"rows": 3}),
            error_messages=text,
        )
        self.fields["story_consent"] = forms.ChoiceField(
            label=_("If you wrote a story, may we share it?"),
            choices=[
                (Testimonial.Consent.PRIVATE, _("No. Only the clinic may read it.")),
                (Testimonial.Consent.ANONYMOUS, _("Yes, but do not show my name.")),
                (Testimonial.Consent.FIRST_NAME, _("Yes, and show my first name.")),
            ],
            required=False,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": _("Choose one of the answers shown.")},
        )
        self.fields["story_first_name"] = forms.CharField(
            label=_("Your first name (only if you want it shown with your story)"),
            required=False,
            max_length=40,
            widget=TextInputWithoutNul,
            error_messages=text,
        )

        self.helper = FormHelper(self)
        self.helper.form_method = "post"
        self.helper.attrs = {"novalidate": "", "autocomplete": "off"}
        self.helper.layout = Layout(
            *(Field(ITEM_PREFIX + item.id, template=RADIO_TEMPLATE) for item in definition.items),
            Field("comment", template=TEXT_TEMPLATE),
            Div(
                HTML(format_html('<h2 class="h4">{}</h2>', _("Your story (you can skip this)"))),
                Field("story", template=TEXT_TEMPLATE),
                Field("story_consent", template=RADIO_TEMPLATE),
                Field("story_first_name", template=TEXT_TEMPLATE),
                css_class="survey-story",
            ),
            Submit("send", _("Send my answers"), css_class="btn-lg survey-send"),
        )

    def _item_field(self, item: Item, number: int) -> forms.ChoiceField:
        labels = item.scale.labels[language_nearest(item.scale.labels, self.language)]
        choices = [(str(value), labels[value]) for value in item.scale.values]
        if item.allow_na:
            choices.append((NOT_APPLICABLE, text_in(item.scale.na_label, self.language)))
        field = forms.ChoiceField(
            label=text_in(item.text, self.language),
            choices=choices,
            required=item.required,
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Question %(number)d: choose an answer.") % {"number": number},
                "invalid_choice": _("Question %(number)d: choose one of the answers shown.")
                % {"number": number},
            },
        )
        # Read by the radio template: the question number and whether options sit in a row.
        field.survey_number = number
        field.survey_scale_row = len(item.scale.values) > 5
        if field.survey_scale_row:
            # Boxes show the number alone (so all are the same width); the words of the two
            # ends ("Not at all likely", "Very likely") are written once, under the row.
            low, high = labels[item.scale.values[0]], labels[item.scale.values[-1]]
            field.survey_scale_ends = (_end_words(low), _end_words(high))
        return field

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._refuse_repeated_fields()
        self._refuse_unreadable_fields()
        if cleaned.get("story") and not cleaned.get("story_consent"):
            self.add_error("story_consent", _("You wrote a story: choose if we may share it."))
        if (
            cleaned.get("story_consent") == Testimonial.Consent.FIRST_NAME
            and cleaned.get("story")
            and not cleaned.get("story_first_name")
        ):
            self.add_error(
                "story_first_name",
                _("Type your first name, or choose not to show your name."),
            )
        return cleaned

    def _refuse_repeated_fields(self) -> None:
        """A field sent twice is refused rather than "last one wins": which did the patient mean?"""
        posted_values = getattr(self.data, "getlist", None)
        if posted_values is None:
            return
        for name, field in self.fields.items():
            if len(posted_values(name)) < 2:
                continue
            if hasattr(field, "survey_number"):
                message = _("Question %(number)d: choose only one answer.") % {
                    "number": field.survey_number
                }
            elif isinstance(field.widget, forms.RadioSelect):
                message = _("Choose only one answer.")
            else:
                message = _("This was sent more than once. Please check it and send it again.")
            self.add_error(name, message)

    def _refuse_unreadable_fields(self) -> None:
        message = _("Some of what was sent could not be read. Please check it and send it again.")
        names = set(self.unreadable_fields)
        for name in names & self.fields.keys():
            self.add_error(name, message)
        if names - self.fields.keys():
            self.add_error(None, message)

    def answers(self) -> dict[str, int | None]:
        """{item id: value or None for "does not apply"}; unanswered optional items left out."""
        answers: dict[str, int | None] = {}
        for item in self.definition.items:
            raw = self.cleaned_data.get(ITEM_PREFIX + item.id)
            if raw == NOT_APPLICABLE:
                answers[item.id] = None
            elif raw:
                answers[item.id] = int(raw)
        return answers

    def add_service_problems(self, problems: dict[str, str]) -> None:
        """Show problems found by response_submit (a changed instrument, say) on the form."""
        for item_id in problems:
            name = ITEM_PREFIX + item_id
            if name in self.fields:
                number = self.fields[name].survey_number
                self.add_error(
                    name,
                    _("Question %(number)d: choose one of the answers shown.") % {"number": number},
                )
            elif item_id == "comment":
                self.add_error("comment", _("Your comment is too long."))
            else:
                self.add_error(
                    None,
                    _(
                        "Something in your answers did not work. Please check"
                        " them and send them again."
                    ),
                )

    def error_summary(self) -> list[tuple[str, str]]:
        """(link target, message) for each problem, in the order the questions appear."""
        summary = [("", str(message)) for message in self.non_field_errors()]
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                target = (
                    f"#field-{name}"
                    if isinstance(field.widget, forms.RadioSelect)
                    else f"#{self[name].auto_id}"
                )
                summary.append((target, str(message)))
        return summary


class WithdrawalForm(forms.Form):
    """The code from the thank-you page, to withdraw consent to share a story."""

    code = forms.CharField(max_length=20, strip=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.label = _("Your withdrawal code")
        field.help_text = _("It looks like ABCD-EFGH. Capital letters or not, as you like.")
        field.widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        )
        field.error_messages = {
            "required": _("Type the code from the thank-you page."),
            "max_length": _("This is longer than a withdrawal code."),
        }


class PulseForm(SurveyForm):
    """The staff wellbeing pulse: the instrument's questions only. No comment and no story: in a
    small team free text would tell who wrote it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("comment", "story", "story_consent", "story_first_name"):
            del self.fields[name]
        self.helper.layout = Layout(
            *(
                Field(ITEM_PREFIX + item.id, template=RADIO_TEMPLATE)
                for item in self.definition.items
            ),
            Submit("send", _("Send my answers"), css_class="btn-lg survey-send"),
        )
