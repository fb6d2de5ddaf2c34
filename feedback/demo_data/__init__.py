"""Demo data for `manage.py seed_demo`: a year of realistic feedback at three clinics."""

from feedback.demo_data.logins import demo_logins_still_valid
from feedback.demo_data.seed import DemoSummary, demo_data_seed

__all__ = ["DemoSummary", "demo_data_seed", "demo_logins_still_valid"]
