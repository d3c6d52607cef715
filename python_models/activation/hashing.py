"""Normalise identifiers the way ad platforms match them, then SHA-256 them.

Meta custom audiences and Google Customer Match both hash the trimmed, lowercased e-mail. Phones
differ: Meta wants digits with the country code and no '+', Google wants E.164 with the '+'.
Country and postcode are never hashed (both platforms take them in clear), so there is no helper
for them here on purpose.
"""

from __future__ import annotations

import hashlib
import re

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def sha256_hex(value: str | None) -> str | None:
    if value is None:
        return None
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def normalise_email(email: str | None) -> str | None:
    """Trimmed and lowercased; None when it cannot be an address (hashing junk wastes match rate)."""
    if email is None:
        return None
    value = email.strip().lower()
    return value if _EMAIL.match(value) else None


def _e164(phone: str | None) -> str | None:
    """Staging already stores phones in E.164; anything else is not a matchable phone."""
    if phone is None:
        return None
    value = re.sub(r"[\s\-().]", "", phone.strip())
    if value.startswith("00"):
        value = "+" + value[2:]
    return value if _E164.match(value) else None


def google_phone(phone: str | None) -> str | None:
    """E.164 with '+', as Google Customer Match expects before hashing."""
    return _e164(phone)


def meta_phone(phone: str | None) -> str | None:
    """Digits with country code, no '+' and no leading zeros, as Meta expects before hashing."""
    value = _e164(phone)
    return value[1:].lstrip("0") if value else None
