"""Text-message sending through the backend named by settings.SMS_BACKEND.

No SMS provider is wired in yet: the default backend writes each message to a file, the way
Django's file e-mail backend does, so the demo and the tests can read what would have been sent.
A provider backend is a class with ``send(to=..., body=...)`` or a plain ``callable(to, body)``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


class FileSmsBackend:
    """Writes one file per message into settings.SMS_FILE_PATH."""

    def __init__(self, file_path: str | Path | None = None):
        self.file_path = Path(file_path or settings.SMS_FILE_PATH)

    def send(self, *, to: str, body: str) -> None:
        self.file_path.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        path = self.file_path / f"{stamp}-{uuid.uuid4().hex[:12]}.sms"
        path.write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")


def sms_send(to: str, body: str) -> None:
    """Send one text message with the configured backend; errors propagate so a task retries."""
    backend = import_string(settings.SMS_BACKEND)
    if isinstance(backend, type):
        backend().send(to=to, body=body)
    else:
        backend(to, body)
