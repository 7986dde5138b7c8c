"""The minutes as an ordered outline of blocks: what every document format renders.

One function decides what the document contains and in which order, from the
compiled minutes and the organiser's options; each exporter only maps blocks to
its own markup (Markdown, HTML, DOCX, ODT). So the options are honoured
identically everywhere, and a new format cannot forget a section.

Heading levels are the document's own: the title is level 0 (h1, Word's
"Title"), a question or a closing section level 1 (h2, "Heading 1"), its parts
level 2 (h3, "Heading 2"), a theme inside them level 3.
"""
from __future__ import annotations

from flask_babel import gettext as _, ngettext

from facilitator.exporters import format_when, labels
from facilitator.exporters.blocks import Entry, Facts, Heading, ItemList, Outline, Paragraph, Section, Table
from facilitator.exporters.photos_outline import loose_photo_section, question_photo_blocks
from facilitator.exporters.kinds_outline import kind_blocks
from facilitator.services.minutes import Minutes, MinutesItem, MinutesQuestion

HIDDEN_STATUSES = ("hidden", "pending", "merged")


def build_outline(minutes: Minutes) -> Outline:
    """The document's blocks in reading order; call inside the minutes' locale."""
    label = labels()
    blocks: list = [Facts(facts(minutes, label))]
    blocks += paragraphs(minutes.opening_text)
    if minutes.options.program and minutes.program.strip():
        blocks.append(Section("program", [Heading(label["program"], 1), *paragraphs(minutes.program)]))
    for question in minutes.questions:
        blocks.append(Section("question", question_blocks(minutes, question, label)))
    blocks += loose_photo_section(minutes)
    if minutes.options.actions and minutes.actions:
        blocks.append(Section("actions", [Heading(label["action_plan"], 1), action_table(minutes, label)]))
    blocks += paragraphs(minutes.closing_text)
    if minutes.signature.strip():
        blocks += [Paragraph(label["regards"]), Paragraph(minutes.signature.strip(), "signature")]
    return Outline(minutes.language, minutes.title, blocks)


def facts(minutes: Minutes, label: dict[str, str]) -> list[tuple[str, str]]:
    options = minutes.options
    rows = [(label["date"], format_when(minutes)), (label["place"], minutes.place),
            (label["theme"], minutes.theme)]
    if options.participant_count:
        rows.append((label["participants"], str(minutes.participant_count)))
    if options.facilitators and minutes.facilitators:
        rows.append((label["facilitators"], ", ".join(minutes.facilitators)))
    return [(name, value) for name, value in rows if value]


def paragraphs(text: str) -> list[Paragraph]:
    """Blank-line separated paragraphs; single line breaks stay inside a paragraph."""
    parts = [part.strip("\n") for part in (text or "").replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(part.strip()) for part in parts if part.strip()]


def question_blocks(minutes: Minutes, question: MinutesQuestion, label: dict[str, str]) -> list:
    blocks: list = [Heading(question.text, 1)]
    if question.kind != "text" and question.results is not None:
        blocks += kind_blocks(minutes, question)
    else:
        blocks += suggestion_blocks(minutes, question, label)
    blocks += question_photo_blocks(minutes, question)
    if minutes.options.hidden:
        kept_back = [item for item in question.items if item.status in HIDDEN_STATUSES]
        if kept_back:
            blocks += [Heading(label["hidden"], 2),
                       ItemList([Entry(item.text, status_note(item, question)) for item in kept_back])]
    return blocks


def suggestion_blocks(minutes: Minutes, question: MinutesQuestion, label: dict[str, str]) -> list:
    """An open question's suggestions (per table when chosen), its ranking, themes and harvest."""
    options = minutes.options
    visible = [item for item in question.items if item.status == "visible"]
    # Older compiled minutes (and hand-made ones in tests) may carry texts without items.
    if not visible and question.suggestions:
        visible = [MinutesItem(id=0, text=text, original_text=text, status="visible")
                   for text in question.suggestions]
    voted = options.votes and bool(question.ranking)
    blocks: list = []
    if not visible:
        blocks.append(Paragraph(label["no_suggestions"], "empty"))
    elif options.per_table and any(item.table is not None for item in visible):
        for name, items in by_table(visible, label):
            blocks += [Heading(name, 2), ItemList([entry(item, voted) for item in items])]
    else:
        blocks += [Paragraph(label["suggestions"], "label"), ItemList([entry(i, voted) for i in visible])]
    if voted:
        ranked = [Entry(text, vote_note(votes)) for text, votes in question.ranking if votes > 0]
        if ranked:
            blocks += [Heading(label["ranking"], 2), ItemList(ranked, ordered=True)]
    if options.themes and question.themes:
        blocks.append(Heading(label["themes"], 2))
        for theme in question.themes:
            blocks += [Heading(theme.name, 3), ItemList([Entry(text) for text in theme.suggestions])]
    if options.harvest and question.themes:
        blocks += [Heading(_("Harvest"), 2), harvest_table(question, label)]
    return blocks


def harvest_table(question: MinutesQuestion, label: dict[str, str]) -> Table:
    """Per theme: the suggestion that best stands for it, how many suggestions and dots it holds."""
    rows = [[theme.name, theme.representative, str(len(theme.suggestions)), str(theme.votes)]
            for theme in question.themes]
    return Table([label["theme"], _("Best represented by"), _("Suggestions"), _("Dots")], rows, _("Harvest"))


def entry(item: MinutesItem, voted: bool) -> Entry:
    # "0 votes" after most items of a long list is noise; the ranking says who got none.
    return Entry(item.text, vote_note(item.votes) if voted and item.votes else "")


def vote_note(votes: int) -> str:
    return ngettext("%(num)d dot", "%(num)d dots", votes)


def by_table(items: list[MinutesItem], label: dict[str, str]) -> list[tuple[str, list[MinutesItem]]]:
    """The items grouped by table in table order, those from no table last."""
    groups: dict[int | None, list[MinutesItem]] = {}
    names: dict[int | None, str] = {}
    for item in items:
        groups.setdefault(item.table, []).append(item)
        names[item.table] = item.table_name
    order = sorted((number for number in groups if number is not None))
    result = [(table_heading(number, names[number]), groups[number]) for number in order]
    if None in groups:
        result.append((label["no_table"], groups[None]))
    return result


def table_heading(number: int, name: str) -> str:
    heading = _("Table %(num)d", num=number)
    return f"{heading}: {name}" if name else heading


def status_note(item: MinutesItem, question: MinutesQuestion) -> str:
    if item.status == "pending":
        return _("never approved")
    if item.status == "merged":
        target = next((i.text for i in question.items if item.text in i.merged_from
                       and i.status != "merged"), "")
        return _("merged into: %(text)s", text=target) if target else _("merged")
    return _("hidden by a moderator")


def action_table(minutes: Minutes, label: dict[str, str]) -> Table:
    rows = [[action_with_notes(action), action.owner, format_due(minutes, action.due_date),
             action_status(action.status)] for action in minutes.actions]
    return Table([label["what"], label["who"], label["when"], label["status"]], rows, label["action_plan"])


def action_with_notes(action) -> str:
    """What to do, then where it came from: a suggestion or theme, or the previous meeting."""
    notes = [action.source] if action.source and action.source != action.what else []
    if action.carried_over:
        notes.append(_("carried over from the previous meeting"))
    return action.what + "".join(f" ({note})" for note in notes)


def format_due(minutes: Minutes, due) -> str:
    from babel.dates import format_date
    from facilitator.exporters import babel_locale
    return format_date(due, format="medium", locale=babel_locale(minutes.language)) if due else ""


def action_status(status: str) -> str:
    names = {"open": _("open"), "planned": _("planned"), "doing": _("in progress"),
             "in_progress": _("in progress"), "done": _("done"), "dropped": _("dropped"),
             "cancelled": _("dropped")}
    return names.get(status, status)


def flatten(blocks: list) -> list:
    """Sections opened up: the plain sequence the linear formats write."""
    out = []
    for block in blocks:
        out += flatten(block.blocks) if block.kind == "section" else [block]
    return out
