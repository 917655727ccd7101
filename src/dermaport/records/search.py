"""Client search for the front desk: any part of a name, phone, e-mail or date of birth.

Each contact row keeps ``search_text``: its names, e-mail, phone (as written and as digits only)
and birth date (ISO, and ``DD.MM.YYYY``), folded to lower case without accents, so "Żaneta"
is found by "zan" and "ZANETA". A query is folded the same way and matched as a substring;
on PostgreSQL a trigram (``pg_trgm``) GIN index serves it, on SQLite an index on the column.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

__all__ = ["MAX_QUERY", "fold", "like_pattern", "search_text"]

#: The longest query accepted (characters).
MAX_QUERY = 100

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """``text`` in lower case without accents or repeated spaces (the form search compares)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.casefold().replace("ß", "ss").replace("ł", "l").replace("ø", "o")).strip()


def search_text(
    *,
    given_name: str,
    family_name: str,
    email: str | None = None,
    phone: str | None = None,
    date_of_birth: date | None = None,
) -> str:
    """The folded text a contact is found by (empty for an erased client is the caller's choice)."""
    parts = [given_name, family_name, f"{given_name} {family_name}", f"{family_name} {given_name}"]
    if email:
        parts.append(email)
    if phone:
        parts.append(phone)
        parts.append("".join(c for c in phone if c.isdigit()))
    if date_of_birth is not None:
        parts.append(date_of_birth.isoformat())
        parts.append(date_of_birth.strftime("%d.%m.%Y"))
        parts.append(date_of_birth.strftime("%Y%m%d %d%m%Y"))  # as typed with dashes and read as a phone
    return " | ".join(fold(p) for p in parts if p)[:1000]


def like_pattern(query: str) -> str:
    """A LIKE pattern (escape character: backslash) matching the folded query anywhere."""
    folded = fold(query)
    digits = "".join(c for c in folded if c.isdigit())
    if digits and len(digits) >= 3 and all(c.isdigit() or c in " +-()" for c in folded):
        folded = digits  # a phone number typed with spaces or dashes
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
