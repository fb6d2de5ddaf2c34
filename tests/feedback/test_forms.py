"""The survey form: built from the instrument definition, in the patient's language."""

import pytest
from django import forms

from feedback.forms import ITEM_PREFIX, NOT_APPLICABLE, SurveyForm
from feedback.services import instrument_definition


@pytest.fixture
def definition(instrument):
    return instrument_definition(instrument)


def bound_form(definition, answers: dict, language: str = "en", **extra) -> SurveyForm:
    data = {
        ITEM_PREFIX + item_id: NOT_APPLICABLE if value is None else str(value)
        for item_id, value in answers.items()
    }
    data.update(extra)
    return SurveyForm(data, definition=definition, language=language)


def test_form_has_one_radio_question_per_item_with_does_not_apply_only_where_allowed(definition):
    form = SurveyForm(definition=definition, language="en")
    for item in definition.items:
        field = form.fields[ITEM_PREFIX + item.id]
        values = [value for value, _label in field.choices]
        assert isinstance(field.widget, forms.RadioSelect)
        assert field.label == item.text["en"]
        assert values[: len(item.scale.values)] == [str(v) for v in item.scale.values]
        assert (NOT_APPLICABLE in values) == item.allow_na


def test_labels_follow_the_chosen_language(definition):
    form = SurveyForm(definition=definition, language="es")
    item = definition.items[0]
    field = form.fields[ITEM_PREFIX + item.id]
    assert field.label == item.text["es"]
    assert dict(field.choices)[str(item.scale.max)] == item.scale.labels["es"][item.scale.max]
    assert dict(field.choices)[NOT_APPLICABLE] == item.scale.na_label["es"]


def test_does_not_apply_becomes_none_and_values_become_whole_numbers(definition, full_answers):
    form = bound_form(definition, full_answers | {"trust_staff": None})
    assert form.is_valid(), form.errors
    assert form.answers() == full_answers | {"trust_staff": None}


@pytest.mark.parametrize("value", ["0", "6", "-1", "4.5", "four", "１"])
def test_a_value_outside_the_scale_is_refused(definition, full_answers, value):
    form = bound_form(definition, full_answers, q_empathy_person=value)
    assert not form.is_valid()
    assert list(form.errors) == [ITEM_PREFIX + "empathy_person"]
    assert form.errors[ITEM_PREFIX + "empathy_person"] == [
        "Question 2: choose one of the answers shown."
    ]


def test_a_missing_answer_names_its_question_number(definition, full_answers):
    answers = {k: v for k, v in full_answers.items() if k != "recommend"}
    form = bound_form(definition, answers)
    assert not form.is_valid()
    assert form.errors[ITEM_PREFIX + "recommend"] == ["Question 13: choose an answer."]


def test_comment_limit_comes_from_the_definition(definition, full_answers):
    limit = definition.comment_max_length
    assert bound_form(definition, full_answers, comment="x" * limit).is_valid()
    too_long = bound_form(definition, full_answers, comment="x" * (limit + 1))
    assert not too_long.is_valid()
    message = too_long.errors["comment"][0]
    assert f"Use {limit} characters or fewer (you used {limit + 1})" in message


@pytest.mark.parametrize("field", ["comment", "story", "story_first_name"])
def test_text_with_a_nul_character_is_refused_and_not_shown_back(definition, full_answers, field):
    text = {"story": "x", "story_first_name": "Ana"} | {field: "Ro\x00sa"}
    form = bound_form(definition, full_answers, story_consent="first_name", **text)
    assert not form.is_valid()
    assert field in form.errors
    assert "\x00" not in str(form[field])


def test_a_story_needs_an_explicit_consent_choice(definition, full_answers):
    form = bound_form(definition, full_answers, story="Kind people.")
    assert not form.is_valid()
    assert list(form.errors) == ["story_consent"]


def test_showing_a_first_name_needs_the_first_name(definition, full_answers):
    form = bound_form(definition, full_answers, story="Kind people.", story_consent="first_name")
    assert not form.is_valid()
    assert list(form.errors) == ["story_first_name"]


def test_no_story_needs_no_consent_choice(definition, full_answers):
    assert bound_form(definition, full_answers).is_valid()


def test_error_summary_links_to_each_problem_in_question_order(definition, full_answers):
    answers = {k: v for k, v in full_answers.items() if k not in ("empathy_feelings", "trust_safe")}
    form = bound_form(definition, answers, comment="\x00")
    assert not form.is_valid()
    assert [target for target, _message in form.error_summary()] == [
        "#field-q_empathy_feelings",
        "#field-q_trust_safe",
        "#id_comment",
    ]


def test_service_problems_land_on_their_questions(definition, full_answers):
    form = bound_form(definition, full_answers)
    assert form.is_valid()
    form.add_service_problems({"recommend": "must be from 0 to 10", "": "unknown items: x"})
    assert set(form.errors) == {ITEM_PREFIX + "recommend", "__all__"}
