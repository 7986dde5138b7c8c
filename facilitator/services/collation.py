"""Alphabetical order as Nordic readers expect it: æ ø å after z in Norwegian and Danish,
å ä ö after z in Swedish and Finnish; other accents sort with their base letter."""
from __future__ import annotations

import unicodedata

# The letters after z, in each language's own order; equivalents share a place
# (a Swede reads ø as ö, a Norwegian reads ä as æ).
_AFTER_Z = {
    "danish": {"æ": 1, "ä": 1, "ø": 2, "ö": 2, "å": 3},
    "swedish": {"å": 1, "ä": 2, "æ": 2, "ö": 3, "ø": 3},
}
_FAMILY = {"nb": "danish", "nn": "danish", "da": "danish", "sv": "swedish", "fi": "swedish"}


def sort_key(text: str, language: str) -> str:
    """A key for sorted(): case-insensitive, Nordic letters in their place."""
    after_z = _AFTER_Z.get(_FAMILY.get(language, ""), {})
    key = []
    for char in (text or "").casefold():
        if char in after_z:
            key.append(chr(ord("z") + after_z[char]))  # just after z, in order
            continue
        base = unicodedata.normalize("NFD", char)[0]
        key.append(base)
    return "".join(key)
