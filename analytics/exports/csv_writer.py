"""The one CSV writer of exports: UTF-8, optional BOM, and no cell a spreadsheet would run.

Pure (no Django import). A cell that begins with = + - @, a tab or a carriage return is what
Excel, LibreOffice and Google Sheets treat as a formula (OWASP "CSV injection"), so such a text
cell gets a leading apostrophe. Numbers are written as numbers: a negative number is not text.
The same rule is offered as SQL for PostgreSQL's COPY, so both ways of writing agree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff".encode()


def neutralised(value: Any) -> Any:
    """The value, with text that a spreadsheet would evaluate prefixed by an apostrophe.

    Idempotent: a neutralised cell begins with an apostrophe, so it is never prefixed twice.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised_sql(expression: str) -> str:
    """The same rule as a PostgreSQL expression over a text ``expression`` (NULL stays NULL)."""
    return (
        f"CASE WHEN left({expression}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


def csv_encoded(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as UTF-8 CSV (comma, minimal quoting, \\n line ends, as PostgreSQL's COPY writes).

    None is an empty cell. Used a chunk at a time, so memory holds one chunk, never the file.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode()


def csv_header(columns: Sequence[str], *, bom: bool = False) -> bytes:
    """The header line, preceded by a byte-order mark when Excel is to read the file as UTF-8."""
    return (BOM if bom else b"") + csv_encoded([columns])
