"""The next meeting of a series: a forum that meets four times a year starts each meeting from the last.

The new meeting is a draft with the same set-up (questions, tables with their names and questions,
settings, and the team with the same roles) and none of what happened: no participants, rounds,
suggestions, votes or themes. Actions that were not done when the previous meeting ended come
along, marked as carried over, so the forum follows them up; the previous meeting's own record
stays as it was. A meeting is followed by one draft at a time: asking again finds that draft.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from facilitator.services import DomainError
from facilitator.services.invites import add_member
from facilitator.services.moderation import record
from facilitator.services.question_kinds import set_question_kind, settings_of
# The settings the facilitator chose for the previous meeting and would choose again.
from facilitator.services.workshop_schema import CARRIED_SETTINGS
from facilitator.services.workshops import WorkshopDetails, create_workshop
from facilitator.infra.extensions import db
from facilitator.models import Action, CafeTable, Facilitator, Workshop, WorkshopStatus


def planned_next_meeting(previous: Workshop) -> Workshop | None:
    """The draft that already follows ``previous``, if one was planned."""
    return db.session.scalar(select(Workshop).where(
        Workshop.follows_id == previous.id, Workshop.status == WorkshopStatus.DRAFT).order_by(Workshop.id))


def plan_next_meeting(actor: Facilitator, previous: Workshop) -> tuple[Workshop, bool]:
    """(the draft that follows ``previous``, whether it was made now). Its date is left for the
    facilitator to set; its owner is the previous meeting's owner. The caller commits."""
    if previous.status != WorkshopStatus.CLOSED:
        raise DomainError(_l("Close this meeting first: the next one takes along what is not done when "
                             "it ends."))
    existing = planned_next_meeting(previous)
    if existing is not None:
        return existing, False
    details = WorkshopDetails(
        title=previous.title, date=None, start_time=previous.start_time, end_time=previous.end_time,
        place=previous.place, theme=previous.theme, language=previous.language, program=previous.program)
    owner = previous.owner or actor
    workshop = create_workshop(owner, details, [question.text for question in previous.questions])
    workshop.follows_id = previous.id
    for name in CARRIED_SETTINGS:
        setattr(workshop, name, getattr(previous, name))
    question_ids = {old.id: new.id for old, new in zip(previous.questions, workshop.questions, strict=True)}
    carry_question_kinds(previous, workshop, question_ids)
    db.session.add_all(
        [CafeTable(workshop_id=workshop.id, number=table.number, name=table.name,
                   question_id=question_ids.get(table.question_id)) for table in previous.tables]
        + [Action(workshop_id=workshop.id, what=action.what, owner=action.owner, due_date=action.due_date,
                  status=action.status, carried_over=True)
           for action in previous.actions if action.status != "done"])
    for member in previous.members:
        if member.facilitator_id != owner.id:
            add_member(workshop, member.facilitator, "co")
    db.session.flush()
    record(previous, actor, "plan_next", next_workshop=workshop.id)
    record(workshop, actor, "planned_from", previous_workshop=previous.id)
    return workshop, True


def carry_question_kinds(previous: Workshop, workshop: Workshop, question_ids: dict[int, int]) -> None:
    """Each question keeps its kind, settings and options (a ranking of the last meeting's
    suggestions keeps their texts, and its source is the same question of the new meeting)."""
    for old, new in zip(previous.questions, workshop.questions, strict=True):
        settings = settings_of(old)
        settings.ranking_source_id = question_ids.get(settings.ranking_source_id)
        set_question_kind(new, settings)


__all__ = ["CARRIED_SETTINGS", "plan_next_meeting", "planned_next_meeting"]
