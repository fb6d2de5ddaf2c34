"""Keep invitation tokens out of logs: a survey link in a log line would let its reader answer
(or spoil) a patient's survey, so every path /s/<token>/ is logged as /s/[token]/."""

from __future__ import annotations

import logging
import re
from typing import Any

_INVITATION_PATH = re.compile(r"/s/[^/?#\s\"']+")
REDACTED_PATH = "/s/[token]"


def invitation_tokens_redact(text: str) -> str:
    return _INVITATION_PATH.sub(REDACTED_PATH, text)


def _redacted(value: Any) -> Any:
    return invitation_tokens_redact(value) if isinstance(value, str) else value


class InvitationTokenFilter(logging.Filter):
    """Rewrites the message and its arguments (a tuple, as Django's request loggers pass them,
    or a dict, as gunicorn's access log does); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = invitation_tokens_redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(value) for value in record.args)
        return True
