"""Which posted fields are not UTF-8: the checks behind the survey's 400 for bad bytes."""

import pytest

from feedback.form_encoding import names_with_replacement_characters, urlencoded_undecodable_names

pytestmark = pytest.mark.hardening


@pytest.mark.parametrize(
    ("body", "names"),
    [
        pytest.param(b"comment=caf%C3%A9&q_a=4", [], id="utf8-escape"),
        pytest.param("comment=café ❤".encode(), [], id="raw-utf8"),
        pytest.param(b"comment=%EF%BF%BD+typed", [], id="a-real-replacement-character"),
        pytest.param(b"comment=caf%E9&q_a=4", ["comment"], id="latin1-escape"),
        pytest.param(b"q_a=4&comment=caf\xe9", ["comment"], id="raw-latin1-byte"),
        pytest.param(b"story=%C3&comment=%80", ["story", "comment"], id="cut-and-stray"),
        pytest.param(b"q_%FF=4", ["q_\ufffd"], id="in-the-name"),
        pytest.param(b"", [], id="empty"),
        pytest.param(b"comment&story=", [], id="no-equals"),
    ],
)
def test_urlencoded_fields_that_are_not_utf8_are_named(body, names):
    assert urlencoded_undecodable_names(body) == names


def test_fields_holding_a_replacement_character_are_named():
    fields = [
        ("comment", ["ok"]),
        ("story", ["bad \ufffd"]),
        ("q\ufffd", ["4"]),
        ("q_a", ["4", "5\ufffd"]),
    ]
    assert names_with_replacement_characters(fields) == ["story", "q\ufffd", "q_a"]
