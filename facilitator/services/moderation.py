"""Moderation: hide, edit, pin, merge, approve; every act recorded with who and when."""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from facilitator.services import DomainError
from facilitator.services.text import clean_text
from facilitator.services.workshops import next_event_seq
from facilitator.infra.extensions import db
from facilitator.models import Facilitator, ModerationEvent, Suggestion, SuggestionStatus, Workshop, utcnow


def record(workshop: Workshop, actor: Facilitator | None, action: str,
           suggestion: Suggestion | None = None, **detail) -> ModerationEvent:
    """Write the act to the workshop's log; the minutes can then be trusted."""
    event = ModerationEvent(workshop_id=workshop.id, actor_id=actor.id if actor else None, action=action,
                            suggestion_id=suggestion.id if suggestion else None,
                            detail=json.dumps(detail, ensure_ascii=False, default=str))
    db.session.add(event)
    return event


def touch(suggestion: Suggestion) -> Suggestion:
    """Give a changed suggestion the workshop's next event number, so views apply it once."""
    suggestion.seq = next_event_seq(suggestion.question.workshop)
    suggestion.updated_at = utcnow()
    db.session.flush()
    return suggestion


def set_status(actor: Facilitator, suggestion: Suggestion, status: str) -> Suggestion:
    """Hide, show or approve a suggestion (pending → visible)."""
    if suggestion.status == SuggestionStatus.MERGED:
        raise DomainError(_l("This suggestion is merged into another one. Separate it first."))
    if status not in (SuggestionStatus.VISIBLE, SuggestionStatus.HIDDEN):
        raise DomainError(_l("Unknown status."))
    previous = suggestion.status
    suggestion.status = status
    action = {SuggestionStatus.HIDDEN: "hide", SuggestionStatus.VISIBLE:
              "approve" if previous == SuggestionStatus.PENDING else "show"}[status]
    record(suggestion.question.workshop, actor, action, suggestion, previous=previous)
    return touch(suggestion)


def edit_text(actor: Facilitator, suggestion: Suggestion, text: str, max_length: int) -> Suggestion:
    """Change the wording; the participant's original stays in ``original_text``."""
    text = clean_text(text, max_length=max_length, field="text")
    if text == suggestion.text:
        return suggestion
    record(suggestion.question.workshop, actor, "edit", suggestion, before=suggestion.text, after=text)
    suggestion.text = text
    return touch(suggestion)


def set_pinned(actor: Facilitator, suggestion: Suggestion, pinned: bool) -> Suggestion:
    if suggestion.pinned == pinned:
        return suggestion
    suggestion.pinned = pinned
    record(suggestion.question.workshop, actor, "pin" if pinned else "unpin", suggestion)
    return touch(suggestion)


def merge(actor: Facilitator, source: Suggestion, target: Suggestion) -> Suggestion:
    """Fold a duplicate into another suggestion of the same question; its votes go along."""
    if source.id == target.id:
        raise DomainError(_l("A suggestion cannot be merged into itself."))
    if source.question_id != target.question_id:
        raise DomainError(_l("Only suggestions to the same question can be merged."))
    if target.status == SuggestionStatus.MERGED:
        raise DomainError(_l("That suggestion is itself merged into another one; merge into that one."))
    for child in merged_sources(source):
        child.merged_into_id = target.id
    source.status = SuggestionStatus.MERGED
    source.merged_into_id = target.id
    record(target.question.workshop, actor, "merge", target, source=source.id, source_text=source.text)
    touch(source)
    return touch(target)


def unmerge(actor: Facilitator, source: Suggestion) -> Suggestion:
    """Separate a merged suggestion again; it is shown as before."""
    if source.status != SuggestionStatus.MERGED:
        raise DomainError(_l("This suggestion is not merged."))
    target_id = source.merged_into_id
    source.status = SuggestionStatus.VISIBLE
    source.merged_into_id = None
    record(source.question.workshop, actor, "unmerge", source, target=target_id)
    return touch(source)


def merged_sources(suggestion: Suggestion) -> list[Suggestion]:
    return list(db.session.scalars(db.select(Suggestion).where(Suggestion.merged_into_id == suggestion.id)))


def set_results_hidden(actor: Facilitator, workshop: Workshop, hidden: bool) -> Workshop:
    """Keep suggestions off the projector while people write (against herding), or reveal them."""
    workshop.results_hidden = hidden
    record(workshop, actor, "hide_results" if hidden else "reveal_results")
    next_event_seq(workshop)
    db.session.flush()
    return workshop


def set_results_page(workshop: Workshop, *, published: bool, private: bool) -> Workshop:
    """Publish the participants' results page while the workshop is live, or keep it private
    even after closing (``web.results.results_public`` reads both)."""
    workshop.results_published = published
    workshop.results_private = private
    db.session.flush()
    return workshop


def set_moderation_mode(actor: Facilitator, workshop: Workshop, mode: str) -> Workshop:
    """Post-moderation shows at once; pre-moderation queues suggestions for approval."""
    if mode not in ("post", "pre"):
        raise DomainError(_l("Unknown moderation mode."))
    workshop.moderation = mode
    record(workshop, actor, "moderation_mode", mode=mode)
    db.session.flush()
    return workshop


def list_events(workshop: Workshop, limit: int = 200) -> list[ModerationEvent]:
    return list(db.session.scalars(
        db.select(ModerationEvent).where(ModerationEvent.workshop_id == workshop.id)
        .order_by(ModerationEvent.id.desc()).limit(limit)))
