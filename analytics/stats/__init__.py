"""Pure statistics for the dashboard (no Django import): intervals, NPS, funnel limits, suppression.

Inputs are additive sufficient statistics (what rollup rows store), outputs are dataclasses
with None wherever a value is undefined. Methods: ../shared/METHODS.md.
"""

from analytics.stats.distributions import (
    normal_cdf,
    normal_quantile,
    regularized_incomplete_beta,
    student_t_cdf,
    student_t_quantile,
)
from analytics.stats.funnel import (
    FunnelLimits,
    FunnelPosition,
    Limits,
    funnel_limits,
    funnel_limits_for_mean,
    funnel_position,
)
from analytics.stats.summaries import (
    Z_95,
    Z_998,
    MeanSummary,
    Moments,
    NpsSummary,
    Proportion,
    ProportionSummary,
    Recommendation,
    mean_summary,
    nps,
    nps_summary,
    positive_proportion,
    top_box_composite,
    two_sided_probability,
    wilson_interval,
)
from analytics.stats.suppression import (
    SuppressionReason,
    breakdown_suppression,
    is_low_reliability,
    is_suppressed,
    suppression_label,
)

__all__ = [
    "Z_95",
    "Z_998",
    "FunnelLimits",
    "FunnelPosition",
    "Limits",
    "MeanSummary",
    "Moments",
    "NpsSummary",
    "Proportion",
    "ProportionSummary",
    "Recommendation",
    "SuppressionReason",
    "breakdown_suppression",
    "funnel_limits",
    "funnel_limits_for_mean",
    "funnel_position",
    "is_low_reliability",
    "is_suppressed",
    "mean_summary",
    "normal_cdf",
    "normal_quantile",
    "nps",
    "nps_summary",
    "positive_proportion",
    "regularized_incomplete_beta",
    "student_t_cdf",
    "student_t_quantile",
    "suppression_label",
    "top_box_composite",
    "two_sided_probability",
    "wilson_interval",
]
