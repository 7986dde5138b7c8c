"""Cleaning of text that people type, done once on the way in."""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l, ngettext

from facilitator.services import DomainError

# Bidirectional overrides and isolates can flip the text around a suggestion
# on the projector; zero-width and other format characters hide content.
_FORMAT_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
# Emoji sequences need the joiner and variation selectors; keep those.
_ALLOWED_FORMAT = {"\u200d", "\ufe0f", "\ufe0e"}
_JOINER = "\u200d"
_MAX_COMBINING_RUN = 4
# Letters that show nothing: the Hangul fillers (a favourite for names that look empty) and the
# blank braille pattern. Like spaces, marks and joiners, they do not make a text on their own.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean_text(value: str | None, *, max_length: int, multiline: bool = False,
               required: bool = True, field: str | None = None) -> str:
    """NFC-normalise, drop control and format characters, tame combining runs,
    collapse spaces; reject empty or over-long text with a message that says
    what to change."""
    text = unicodedata.normalize("NFC", value or "")
    # Every line separator Unicode knows (VT, FF, U+0085, U+2028, ...) becomes a plain break,
    # so words around it are never glued together nor kept apart by an invisible character.
    text = "\n".join(text.splitlines())
    kept, combining_run = [], 0
    for char in text:
        if char == "\n" and multiline:
            kept.append(char)
            combining_run = 0
            continue
        if char == "\n" or char == "\t":
            kept.append(" ")
            continue
        category = unicodedata.category(char)
        if category in _FORMAT_CATEGORIES and char not in _ALLOWED_FORMAT:
            continue
        if char == _JOINER:
            # A joiner between marks must not start a new run: Q + (4 marks + joiner) x 40
            # would stack 160 marks on one letter.
            kept.append(char)
            continue
        combining_run = combining_run + 1 if category.startswith("M") else 0
        if combining_run > _MAX_COMBINING_RUN:
            continue
        kept.append(char)
    # Dropping a format character can bring a letter and its mark together: compose them again.
    kept_text = unicodedata.normalize("NFC", re.sub(f"{_JOINER}{{2,}}", _JOINER, "".join(kept)))
    lines = [_SPACES.sub(" ", line).strip() for line in kept_text.split("\n")]
    # A line of nothing visible (joiners, variation selectors, fillers) is an empty line.
    lines = [line if any(map(shows_something, line)) else "" for line in lines]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if required and not text:
        raise DomainError(_l("Please write something first."), field)
    if len(text) > max_length:
        raise DomainError(ngettext(
            "Please shorten this to %(num)d character (it has %(length)d).",
            "Please shorten this to %(num)d characters (it has %(length)d).",
            max_length, length=len(text)), field)
    return text


def shows_something(char: str) -> bool:
    """Whether the character is seen on its own: not a space, mark, control, format character
    or blank letter."""
    return unicodedata.category(char)[0] not in "ZMC" and char not in _BLANK_LETTERS
