"""Translatable text of the pure chart modules, which must not import Django.

Charts stay plain modules tested in milliseconds, yet their titles, axis titles, legend names,
hover text and notes follow the page's language: analytics.apps installs Django's gettext,
ngettext and pgettext here when Django starts. Without Django (a script, the purity test) text
stays English. makemessages finds these calls by their usual names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_installed: dict[str, Callable[..., str]] = {}


def translation_install(
    *,
    gettext: Callable[[str], str],
    ngettext: Callable[[str, str, int], str],
    pgettext: Callable[[str, str], str],
) -> None:
    """Route the chart modules' text through these functions (Django's, from AppConfig.ready)."""
    _installed.update(gettext=gettext, ngettext=ngettext, pgettext=pgettext)


def gettext(message: str) -> str:
    translate = _installed.get("gettext")
    return message if translate is None else translate(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    translate = _installed.get("ngettext")
    if translate is None:
        return singular if number == 1 else plural
    return translate(singular, plural, number)


def pgettext(context: str, message: str) -> str:
    translate = _installed.get("pgettext")
    return message if translate is None else translate(context, message)


def gettext_noop(message: str) -> str:
    """Marks a constant for the catalogue; it is translated with gettext() where it is used."""
    return message


def translated(messages: Iterable[str]) -> tuple[str, ...]:
    """Column headers and similar constant lists, in the current language."""
    return tuple(gettext(message) for message in messages)
