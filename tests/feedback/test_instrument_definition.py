"""A broken instrument definition is refused with a message that names the problem."""

import copy
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from feedback.instrument_definition import (
    InstrumentDefinitionError,
    answers_problems,
    parse_definition,
)

SHIPPED = (
    Path(__file__).resolve().parents[2] / "feedback" / "instruments" / "compassionate-care.v1.json"
)
RAW = json.loads(SHIPPED.read_text())


def broken(mutate):
    raw = copy.deepcopy(RAW)
    mutate(raw)
    with pytest.raises(InstrumentDefinitionError) as excinfo:
        parse_definition(raw)
    return str(excinfo.value)


def test_the_shipped_definition_is_valid():
    assert len(parse_definition(RAW).items) == 13


def test_unknown_scale_is_named():
    assert "items[0].scale: unknown scale 'agree7'" in broken(
        lambda r: r["items"][0].update(scale="agree7")
    )


def test_missing_translation_is_named():
    assert "items[2].text: no text for language 'es'" in broken(
        lambda r: r["items"][2]["text"].pop("es")
    )


def test_item_of_unknown_dimension_is_named():
    assert "items[1].dimension: unknown dimension 'kindness'" in broken(
        lambda r: r["items"][1].update(dimension="kindness")
    )


def test_max_missing_that_allows_no_answer_is_refused():
    message = broken(lambda r: r["dimensions"][0].update(max_missing=3))
    assert "'empathy' allows 3 missing of 3 items" in message


def test_missing_scale_label_is_named():
    message = broken(lambda r: r["scales"]["quality5"]["labels"]["en"].pop("3"))
    assert "scales.quality5.labels.en: no label for value 3" in message


def test_broken_json_file_names_file_and_line(tmp_path, db):
    bad = tmp_path / "broken.json"
    bad.write_text('{"slug": "x",\n "version": }')
    with pytest.raises(CommandError, match=r"broken.json: not valid JSON \(line 2"):
        call_command("load_instruments", str(bad))


def test_changed_content_under_an_existing_version_is_refused(tmp_path, instrument):
    changed = copy.deepcopy(RAW)
    changed["items"][0]["text"]["en"] = "Something else?"
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(changed))
    with pytest.raises(CommandError, match="already loaded with different content"):
        call_command("load_instruments", str(path))


def test_answers_problems_lists_each_bad_answer():
    definition = parse_definition(RAW)
    problems = answers_problems(definition, {"empathy_feelings": 9, "recommend": None, "bogus": 1})
    assert problems["empathy_feelings"] == "must be from 1 to 5"
    assert problems["recommend"] == "'does not apply' is not offered for this question"
    assert problems[""] == "unknown items: bogus"
    assert problems["empathy_person"] == "missing"
