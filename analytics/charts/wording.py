"""Translatable text and numbers of the pure chart modules, which must not import Django.

Charts stay plain modules tested in milliseconds, yet their titles, axis titles, legend names,
hover text, notes and the numbers written into a figure follow the page's language:
analytics.apps installs Django's gettext, ngettext, pgettext and decimal separator here when
Django starts. Without Django (a script, the purity test) text stays English. makemessages finds
these calls by their usual names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_installed: dict[str, Callable[..., str]] = {}


def translation_install(
    *,
    gettext: Callable[[str], str],
    ngettext: Callable[[str, str, int], str],
    pgettext: Callable[[str, str], str],
    decimal_separator: Callable[[], str],
) -> None:
    """Route the chart modules' text through these functions (Django's, from AppConfig.ready)."""
    _installed.update(
        gettext=gettext, ngettext=ngettext, pgettext=pgettext, decimal_separator=decimal_separator
    )


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


def decimal(value: float, digits: int = 1) -> str:
    """A number written into a figure's text (72.3, or 72,3 in Spanish)."""
    separator = _installed.get("decimal_separator")
    written = f"{value:.{digits}f}"
    return written if separator is None else written.replace(".", separator())
