"""The page's language as plotly.js takes a locale: month and day names, number separators.

plotly.js writes date ticks ("Feb 2026"), the unified hover's date and hover numbers itself, in
English unless told otherwise; Django already knows these words in every language it speaks.
"""

from __future__ import annotations

from typing import Any

from django.utils import dates, formats
from django.utils.translation import get_language


def plotly_locale() -> dict[str, Any] | None:
    """For Plotly.register({moduleType: "locale", ...}); None in English, plotly's own locale
    (registering "en" again would replace it, and the date formats every locale falls back to
    with it). plotly's weeks start on Sunday."""
    language = get_language() or "en"
    if language.split("-")[0] == "en":
        return None
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # Django's weekdays start on Monday
    return {
        "name": language,
        "format": {
            "days": [str(dates.WEEKDAYS[day]) for day in sunday_first],
            "shortDays": [str(dates.WEEKDAYS_ABBR[day]) for day in sunday_first],
            "months": [str(dates.MONTHS[month]) for month in range(1, 13)],
            "shortMonths": [str(dates.MONTHS_3[month]).title() for month in range(1, 13)],
            "decimal": formats.get_format("DECIMAL_SEPARATOR"),
            "thousands": formats.get_format("THOUSAND_SEPARATOR"),
        },
    }
