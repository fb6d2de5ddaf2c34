"""Rollups: sums of sufficient statistics per bucket, recomputed from raw data, and their reads."""
