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
    """The cells of a breakdown (whose total is shown) to hide, and why.

    Cells under min_group_size are hidden. Then, while the hidden cells together hold some but
    fewer than min_group_size respondents, their combined value could be worked out from the
    total minus the visible cells, so the next-smallest visible cell is hidden too (ties go to the
    earlier cell, so the result is stable). Empty cells hide nothing and need no complement.
    """
    hidden = {
        key: SuppressionReason.SMALL_GROUP
        for key, n in sizes.items()
        if is_suppressed(n, min_group_size=min_group_size)
    }
    visible = sorted((key for key in sizes if key not in hidden), key=lambda key: sizes[key])
    hidden_n = sum(sizes[key] for key in hidden)
    while 0 < hidden_n < min_group_size and visible:
        key = visible.pop(0)
        hidden[key] = SuppressionReason.COMPLEMENTARY
        hidden_n += sizes[key]
    return hidden
