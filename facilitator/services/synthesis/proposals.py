"""Theme proposals on the console, made on request and shown to facilitators only.

Nothing is stored until a facilitator accepts a group: a proposal is computed from the
database and the console's settings (how fine the groups are, which ones were dropped), so a
co-facilitator who asks with the same settings sees the same groups, and the projector shows
a theme only once it is a real one.

For a suggestion without a theme, where the question has themes already, the proposal is
the nearest of them (as the engine finds it); the suggestions near none are grouped anew. So
accepting one group does not scatter the rest: they are still proposed as groups of their own.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from facilitator.services import DomainError
from facilitator.services.themes import assign_theme, create_theme
from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Question, Suggestion, SuggestionStatus, Theme, Workshop

DEFAULT_GRANULARITY = 0.5
GRANULARITY_STEP = 0.25


@dataclass
class Proposal:
    """A group of suggestions proposed as a new theme, or for an existing ``theme``."""
    key: str
    members: list[Suggestion]
    keywords: list[str]
    central: Suggestion | None = None
    theme: Theme | None = None

    @property
    def label(self) -> str:
        return self.theme.name if self.theme else ", ".join(self.keywords)


def parse_granularity(value: str | None) -> float | None:
    """The console's granularity setting (0 coarse to 1 fine), or None when none was asked for."""
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return DEFAULT_GRANULARITY
    if number is None:
        return None
    if number != number:  # NaN
        return DEFAULT_GRANULARITY
    return round(min(max(number, 0.0), 1.0), 2)


def parse_dropped(value: str | None) -> list[str]:
    """The keys of the groups the facilitator dropped from this proposal."""
    return [key for key in (value or "").split(",") if key[:1] in ("g", "t") and key[1:].isdigit()][:200]


def propose(workshop: Workshop, question: Question, granularity: float,
            dropped: list[str] = ()) -> list[Proposal]:
    """The proposals for a question's visible suggestions without a theme."""
    from facilitator.services.synthesis.themes import propose_for_existing_themes
    visible = list(db.session.scalars(
        select(Suggestion).where(Suggestion.workshop_id == workshop.id, Suggestion.question_id == question.id,
                                 Suggestion.status == SuggestionStatus.VISIBLE).order_by(Suggestion.id)))
    existing = [theme for theme in workshop.themes if theme.question_id in (None, question.id)]
    unthemed = [s for s in visible if s.theme_id is None]
    by_id = {s.id: s for s in unthemed}
    themes = {theme.id: (theme.name, [(s.id, s.text) for s in visible if s.theme_id == theme.id])
              for theme in existing}
    nearest = propose_for_existing_themes([(s.id, s.text) for s in unthemed], themes, workshop.language)
    proposals = [Proposal(f"t{theme.id}", [by_id[sid] for sid, (tid, _) in nearest.items() if tid == theme.id],
                          [], theme=theme) for theme in existing]
    proposals = [p for p in proposals if p.members]
    proposals += new_groups(workshop, [s for s in unthemed if s.id not in nearest], granularity)
    return [p for p in proposals if p.key not in set(dropped)]


def new_groups(workshop: Workshop, suggestions: list[Suggestion], granularity: float) -> list[Proposal]:
    """Groups of two or more among ``suggestions``, each labelled, largest first."""
    from facilitator.services.synthesis.themes import propose_themes
    by_id = {s.id: s for s in suggestions}
    groups = propose_themes([(s.id, s.text) for s in suggestions], workshop.language, granularity)
    return [Proposal(f"g{group.central}", [by_id[m] for m in group.members], group.keywords,
                     central=by_id[group.central])
            for group in groups if len(group.members) > 1]


def accept_proposal(actor: Facilitator, workshop: Workshop, question: Question, name: str,
                    suggestion_ids: list[int], theme: Theme | None = None) -> tuple[Theme, list[Suggestion]]:
    """Make a proposed group a theme (named as the facilitator chose), or add it to ``theme``;
    returns the theme and the suggestions it received."""
    chosen = [db.session.get(Suggestion, sid) for sid in dict.fromkeys(suggestion_ids)]
    chosen = [s for s in chosen if s is not None and s.workshop_id == workshop.id
              and s.question_id == question.id and s.status == SuggestionStatus.VISIBLE]
    if not chosen:
        raise DomainError(_l("Tick at least one suggestion for the theme."))
    if theme is None:
        theme = create_theme(actor, workshop, name, question)
    elif theme.workshop_id != workshop.id or theme.question_id not in (None, question.id):
        raise DomainError(_l("That theme belongs to another question."))
    for suggestion in chosen:
        assign_theme(actor, suggestion, theme)
    return theme, chosen
