"""Minutes as Markdown, for pasting into e-mail, wikis and archives."""
from __future__ import annotations

import re

from flask_babel import force_locale

from . import format_when, labels
from ..services.minutes import Minutes

# Characters that can start or change Markdown structure when typed by a participant.
_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~!])")
# Only what CommonMark reads as a block marker ("- " and "1. " lists; ">" is escaped above)
# and lines of "=" or "-" that would turn the line above into a heading.
_LIST_MARKER = re.compile(r"^(\s*)([-+])(?=\s|$)")
_ORDERED_MARKER = re.compile(r"^(\s*\d{1,9})([.)])(?=\s|$)")
_SETEXT_LINE = re.compile(r"^(\s*)(=+|-+)\s*$")


def escape(text: str) -> str:
    """Text that reads the same in Markdown as typed, never as markup."""
    lines = []
    for line in text.split("\n"):
        line = _INLINE_SPECIAL.sub(r"\\\1", line)
        line = _SETEXT_LINE.sub(r"\1\\\2", line)
        line = _LIST_MARKER.sub(r"\1\\\2", line)
        line = _ORDERED_MARKER.sub(r"\1\\\2", line)
        lines.append(line)
    return "\\\n".join(lines)


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, each escaped, single breaks kept."""
    return [escape(p.strip("\n")) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def render_markdown(minutes: Minutes) -> str:
    with force_locale(minutes.language):
        label = labels()
        out = [f"# {escape(minutes.title)}", ""]
        facts = [(label["date"], format_when(minutes)), (label["place"], escape(minutes.place)),
                 (label["theme"], escape(minutes.theme)),
                 (label["participants"], str(minutes.participant_count))]
        out += [f"**{name}:** {value}  " for name, value in facts if value]
        out[-1] = out[-1].rstrip()
        out.append("")
        for paragraph in paragraphs(minutes.opening_text):
            out += [paragraph, ""]
        if minutes.program.strip():
            out += [f"## {label['program']}", ""]
            for paragraph in paragraphs(minutes.program):
                out += [paragraph, ""]
        for question in minutes.questions:
            out += [f"## {escape(question.text)}", ""]
            if question.suggestions:
                out += [label["suggestions"], ""]
                out += [f"- {escape(text)}" for text in question.suggestions]
            else:
                out.append(f"*{label['no_suggestions']}*")
            out.append("")
        for paragraph in paragraphs(minutes.closing_text):
            out += [paragraph, ""]
        if minutes.signature.strip():
            out += [label["regards"], ""]
            out += [escape(minutes.signature.strip()), ""]
        return "\n".join(out).rstrip("\n") + "\n"
