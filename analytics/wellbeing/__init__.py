"""Leadership's view of the staff wellbeing pulse beside patients' empathy and trust."""
