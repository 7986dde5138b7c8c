"""Tables of a café dialogue: how many, their names and questions, who sits and hosts where."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from facilitator.services import DomainError
from facilitator.services.moderation import record
from facilitator.services.text import clean_text
from facilitator.infra.extensions import db
from facilitator.models import CafeTable, Facilitator, Participant, Question, Suggestion, Workshop

MAX_TABLES = 200
ROLES = ("member", "host", "scribe")


def set_table_count(actor: Facilitator, workshop: Workshop, count: int) -> list[CafeTable]:
    """Add or remove tables at the end; a table that holds suggestions is never removed."""
    if not 0 <= count <= MAX_TABLES:
        raise DomainError(_l("Choose between 0 and %(max)d tables.", max=MAX_TABLES), "count")
    tables = list(workshop.tables)
    for number in range(len(tables) + 1, count + 1):
        workshop.tables.append(CafeTable(number=number, name=""))
    for table in tables[count:]:
        used = db.session.scalar(select(func.count(Suggestion.id)).where(Suggestion.table_id == table.id))
        if used:
            raise DomainError(_l("Table %(number)d has suggestions, so it cannot be removed.",
                                 number=table.number), "count")
        for participant in db.session.scalars(select(Participant).where(Participant.table_id == table.id)):
            participant.table_id, participant.is_table_host = None, False
        workshop.tables.remove(table)
    record(workshop, actor, "tables", count=count)
    db.session.flush()
    return list(workshop.tables)


def update_table(actor: Facilitator, table: CafeTable, name: str, question: Question | None) -> CafeTable:
    """Name a table (its theme) and, for rotating groups, give it its own question."""
    if question is not None and question.workshop_id != table.workshop_id:
        raise DomainError(_l("That question belongs to another workshop."))
    table.name = clean_text(name, max_length=120, required=False, field="name")
    table.question_id = question.id if question else None
    record(table.workshop, actor, "table", table=table.number, name=table.name,
           question=table.question_id)
    db.session.flush()
    return table


def get_table(workshop: Workshop, number: int | None) -> CafeTable | None:
    if not number:
        return None
    return next((t for t in workshop.tables if t.number == number), None)


def seat(participant: Participant, table: CafeTable | None) -> Participant:
    """Put a participant at a table (or none). A host who leaves the table stops hosting it."""
    if table is not None and table.workshop_id != participant.workshop_id:
        raise DomainError(_l("That table belongs to another workshop."))
    if participant.table_id != (table.id if table else None):
        participant.is_table_host = False
    participant.table_id = table.id if table else None
    db.session.flush()
    return participant


def set_role(participant: Participant, role: str) -> Participant:
    """Make a participant their table's host (one per table), a scribe, or a plain member."""
    if role not in ROLES:
        raise DomainError(_l("Unknown role."))
    if role != "member" and participant.table_id is None:
        raise DomainError(_l("Choose a table first."))
    if role == "host":
        current = current_host(participant.table)
        if current is not None and current.id != participant.id:
            raise DomainError(_l("Table %(number)d already has a host.", number=participant.table.number))
    participant.is_table_host = role == "host"
    participant.is_scribe = role == "scribe"
    db.session.flush()
    return participant


def current_host(table: CafeTable | None) -> Participant | None:
    if table is None:
        return None
    return db.session.scalar(select(Participant).where(
        Participant.table_id == table.id, Participant.is_table_host.is_(True)))


def table_label(table: CafeTable | None) -> str:
    """'Table 3' or 'Table 3 · Housing', in the active language."""
    if table is None:
        return ""
    label = _("Table %(number)d", number=table.number)
    return f"{label} · {table.name}" if table.name else label


def seated(workshop: Workshop) -> dict[int, list[Participant]]:
    """Participants per table id, in the order they joined."""
    rows = db.session.scalars(select(Participant).where(Participant.workshop_id == workshop.id,
                                                        Participant.table_id.is_not(None))
                              .order_by(Participant.id))
    grouped: dict[int, list[Participant]] = {}
    for participant in rows:
        grouped.setdefault(participant.table_id, []).append(participant)
    return grouped


def rotation_plan(workshop: Workshop) -> dict[int, CafeTable]:
    """Where each seated participant sits next round.

    Hosts stay. The others of a table spread over the other tables: the k-th
    member moves 1 + (k mod (tables - 1)) tables on, so a group mixes with
    every other group instead of moving as one block.
    """
    tables = list(workshop.tables)
    count = len(tables)
    plan: dict[int, CafeTable] = {}
    by_id = {t.id: t for t in tables}
    for table_id, people in seated(workshop).items():
        table = by_id.get(table_id)
        if table is None:
            continue
        members = [p for p in people if not p.is_table_host]
        for person in people:
            if person.is_table_host or count < 2:
                plan[person.id] = table
                continue
            step = 1 + members.index(person) % (count - 1)
            plan[person.id] = tables[(tables.index(table) + step) % count]
    return plan
