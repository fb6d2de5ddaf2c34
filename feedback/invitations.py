"""Invitation tokens and contact hashes.

A token is derived from INVITATION_KEY and the invitation's random salt; only its SHA-256 is
stored. The sender re-derives it when the message goes out, so the database alone never holds a
usable link, and a reminder can carry the same link as the first message.
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings


def token_salt_new() -> str:
    return secrets.token_hex(16)


def token_for_salt(salt: str) -> str:
    digest = hmac.new(
        settings.INVITATION_KEY.encode(), f"invitation-token:{salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def contact_normalise(contact: str) -> str:
    """E-mail addresses lower-cased; phone numbers reduced to digits (with a leading +)."""
    contact = contact.strip()
    if "@" in contact:
        return contact.lower()
    digits = "".join(ch for ch in contact if ch.isdigit())
    return ("+" if contact.startswith("+") else "") + digits


def contact_hash(contact: str) -> str:
    return hmac.new(
        settings.INVITATION_KEY.encode(),
        f"contact:{contact_normalise(contact)}".encode(),
        hashlib.sha256,
    ).hexdigest()
