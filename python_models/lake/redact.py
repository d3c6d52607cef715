"""Keep personal data out of messages that end up in logs, manifests and terminals.

Messages about a file quote its header to help fix a mapping; when the "header" is really a record
(a file that lost its header line, a wrong delimiter), the quote would print someone's e-mail or
phone number. These helpers recognise such values and mask them.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[^\s@'\"`,;|<>\[\]()]+@[^\s@'\"`,;|<>\[\]()]+")
NUMBER = re.compile(r"\+?\d[\d\s().\-/]{5,}\d")
DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")


def redact(text: str) -> str:
    """The text with e-mail addresses and phone-like digit runs replaced by placeholders."""
    return NUMBER.sub("<number>", EMAIL.sub("<e-mail>", text))


def looks_like_data(value: str) -> bool:
    """True for a value no one would name a column: an e-mail, a phone-like number or a date."""
    value = value.strip()
    return bool(EMAIL.search(value) or NUMBER.fullmatch(value) or DATE.match(value))
