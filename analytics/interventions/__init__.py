"""Interventions: what a clinic did about its scores (training, coaching, ...), and whether it
was followed by a change (a before/after comparison, see analytics.stats.effects)."""
