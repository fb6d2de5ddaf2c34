"""Which aggregates may be shown: small-group and complementary suppression, low reliability."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from enum import StrEnum


class SuppressionReason(StrEnum):
    SMALL_GROUP = "small_group"  # fewer than min_group_size respondents
    COMPLEMENTARY = "complementary"  # hidden so that a small group cannot be worked out


def is_suppressed(n: int, *, min_group_size: int) -> bool:
    return n < min_group_size


def is_low_reliability(n: int, *, threshold: int) -> bool:
    """A provider score on fewer than `threshold` (LOW_RELIABILITY_N, default 30) responses."""
    return n < threshold


def suppression_label(reason: SuppressionReason, *, min_group_size: int) -> str:
    if reason is SuppressionReason.SMALL_GROUP:
        return f"fewer than {min_group_size} responses"
    return f"hidden so that a group of fewer than {min_group_size} cannot be worked out"


def breakdown_suppression[K: Hashable](
    sizes: Mapping[K, int], *, min_group_size: int
) -> dict[K, SuppressionReason]:
    """The cells of a breakdown (whose total is shown) to hide, and why; hide no more than that.

    Non-empty cells under min_group_size are hidden. Empty cells are not: they hold nobody, so
    there is nothing to hide and nothing they could protect. When exactly one cell is hidden,
    its value is the total minus the visible cells, so the smallest visible non-empty cell is
    hidden too: the complement that loses the fewest respondents (ties go to the earlier cell,
    so the result is stable). Two or more hidden cells already protect one another: the total
    gives only their sum, never one cell's value (METHODS.md, "Suppression and reliability").
    """
    hidden = {
        key: SuppressionReason.SMALL_GROUP
        for key, n in sizes.items()
        if n > 0 and is_suppressed(n, min_group_size=min_group_size)
    }
    if len(hidden) == 1:
        candidates = [key for key, n in sizes.items() if n > 0 and key not in hidden]
        if candidates:
            # min() keeps the first of equal cells, in the breakdown's own order.
            hidden[min(candidates, key=lambda key: sizes[key])] = SuppressionReason.COMPLEMENTARY
    return hidden
