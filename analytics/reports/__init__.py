"""The monthly leadership report: a printable staff page and an opt-in e-mail."""
