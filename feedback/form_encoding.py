"""Finds posted form fields whose bytes are not UTF-8, which Django's lenient parsing lets through.

Django decodes a urlencoded body as Latin-1 when it is not UTF-8, and percent-escapes and
multipart fields with errors="replace": either way bad bytes would be stored as other letters or
as U+FFFD. These checks let the survey refuse them instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote_to_bytes

REPLACEMENT_CHARACTER = "\ufffd"


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def urlencoded_undecodable_names(body: bytes) -> list[str]:
    """Names of the fields in an application/x-www-form-urlencoded body that are not UTF-8.

    Both raw bytes and percent-escapes count. A name that is itself undecodable comes back
    with U+FFFD in it, so it matches no form field.
    """
    names = []
    for pair in body.split(b"&"):
        raw_name, _equals, raw_value = pair.partition(b"=")
        name = unquote_to_bytes(raw_name.replace(b"+", b" "))
        value = unquote_to_bytes(raw_value.replace(b"+", b" "))
        if not (_is_utf8(name) and _is_utf8(value)):
            names.append(name.decode("utf-8", errors="replace"))
    return names


def names_with_replacement_characters(fields: Iterable[tuple[str, list[str]]]) -> list[str]:
    """Names of (name, values) fields holding U+FFFD: how a multipart body shows bad bytes.

    Used where the raw bytes are gone (Django parses multipart bodies as a stream), so a
    U+FFFD the patient really typed is refused too; browsers post the survey urlencoded.
    """
    return [
        name
        for name, values in fields
        if REPLACEMENT_CHARACTER in name or any(REPLACEMENT_CHARACTER in v for v in values)
    ]
