"""How exported scores are rounded: as the dashboard shows them, unless full precision is asked.

A spreadsheet of 72.33333333333333 invites false precision and does not match the number a
manager saw on the dashboard; analysts who re-aggregate can ask for the stored values.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# The dashboard's tiles show scores and percentages with one decimal, NPS as a whole number
# (analytics.dashboard.tiles).
SHOWN_DIGITS = 1
NPS_SHOWN_DIGITS = 0


def shown_rounded(value: float, digits: int = SHOWN_DIGITS) -> float | int:
    """``value`` to ``digits`` decimals, halves away from zero as PostgreSQL's round() does (the
    responses export rounds there on its COPY path), so both paths write the same cell."""
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return int(rounded) if digits == 0 else float(rounded)
