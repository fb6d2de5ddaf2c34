"""Alerts: e-mails to a clinic's managers when a weekly chart signals, and their preferences."""
