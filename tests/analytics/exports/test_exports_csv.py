"""The CSV writer: formulas defused, quoting that any CSV reader undoes, optional BOM."""

import csv
import io

import pytest

from analytics.exports.csv_writer import csv_encoded, csv_header, neutralised


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", "=", "-"])
def test_cell_starting_like_a_formula_gets_an_apostrophe(cell):
    assert neutralised(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Kind", " =1", "a=b", "'=1", "", "1-2", "état"])
def test_ordinary_text_is_left_alone(cell):
    assert neutralised(cell) == cell


def test_numbers_and_empty_cells_are_not_text_and_stay_as_they_are():
    assert [neutralised(v) for v in (-3, -2.5, 0, None)] == [-3, -2.5, 0, None]


def test_neutralising_twice_changes_nothing():
    assert neutralised(neutralised("=cmd")) == neutralised("=cmd") == "'=cmd"


def test_written_rows_read_back_with_the_csv_module():
    rows = [[1, 'say "hi", then\nleave', None, 83.33333333333333, "ok 😊", "سلام"]]
    text = csv_encoded(rows).decode()
    assert text.endswith("\n") and not text.endswith("\r\n")
    back = next(csv.reader(io.StringIO(text, newline="")))
    assert back == ["1", 'say "hi", then\nleave', "", "83.33333333333333", "ok 😊", "سلام"]


def test_header_has_a_byte_order_mark_only_when_asked():
    assert csv_header(["a", "b"]) == b"a,b\n"
    assert csv_header(["a", "b"], bom=True) == b"\xef\xbb\xbfa,b\n"
