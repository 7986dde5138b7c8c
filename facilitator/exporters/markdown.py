"""Minutes as Markdown, for pasting into e-mail, wikis and archives."""
from __future__ import annotations

import re

from flask_babel import force_locale

from facilitator.exporters.outline import Facts, Heading, ItemList, Paragraph, Table, build_outline, flatten
from facilitator.exporters.photos_outline import photo_line
from facilitator.services.minutes import Minutes

# Characters that can start or change Markdown structure when typed by a participant.
_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~!&])")
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


def escape_inline(text: str) -> str:
    """Text in the middle of a line, where only inline markup can start."""
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render_markdown(minutes: Minutes) -> str:
    with force_locale(minutes.language):
        outline = build_outline(minutes)
        out = [f"# {escape(outline.title)}", ""]
        for block in flatten(outline.blocks):
            lines = RENDER[block.kind](block)
            out += lines + [""] if lines else []
        return "\n".join(out).rstrip("\n") + "\n"


def render_facts(block: Facts) -> list[str]:
    # Two trailing spaces: a hard line break, so each fact keeps its own line.
    lines = [f"**{escape(name)}:** {escape_inline(value)}  " for name, value in block.rows]
    if lines:
        lines[-1] = lines[-1].rstrip()
    return lines


def render_heading(block: Heading) -> list[str]:
    return [f"{'#' * (block.level + 1)} {escape(block.text)}"]


def render_paragraph(block: Paragraph) -> list[str]:
    text = escape(block.text)
    return [f"*{text}*" if block.role == "empty" else text]


def render_list(block: ItemList) -> list[str]:
    lines = []
    for number, item in enumerate(block.entries, start=1):
        marker = f"{number}." if block.ordered else "-"
        note = f" ({escape(item.note)})" if item.note else ""
        lines.append(f"{marker} {escape(item.text)}{note}")
    return lines


def cell(text: str) -> str:
    """A table cell: one line, pipes escaped (escape() does), never empty-looking."""
    return escape_inline(text or "")


def render_table(block: Table) -> list[str]:
    lines = ["| " + " | ".join(cell(h) for h in block.header) + " |",
             "|" + "---|" * len(block.header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in block.rows]
    return lines


def render_chart(block) -> list[str]:
    # Markdown has no pictures of its own; the table before the chart holds the same figures.
    return []


def render_photo(block) -> list[str]:
    # No pictures in a text file: a line says what the photo shows and where it was taken.
    return [f"*{escape_inline(photo_line(block))}*"]


RENDER = {"facts": render_facts, "heading": render_heading, "paragraph": render_paragraph,
          "list": render_list, "table": render_table, "chart": render_chart,
          "photo": render_photo}
