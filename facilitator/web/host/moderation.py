"""The moderation console: hide, edit, pin, merge, approve, group into themes, make actions,
run the vote, and choose what the projector shows. Every act shows at once everywhere."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from facilitator.web.host import bp, load_question, load_workshop
from facilitator.infra.extensions import db
from facilitator.models import Question, QuestionKind, Suggestion, SuggestionStatus, Theme, Workshop
from facilitator.services import DomainError, announcements
from facilitator.services import moderation, themes, voting
from facilitator.services.answers import other_answers
from facilitator.services.qanda import pin_for_panel
from facilitator.services.suggestions import add_suggestion_as_facilitator
from facilitator.services.synthesis.live import possible_duplicates
from facilitator.services.synthesis.proposals import parse_dropped, parse_granularity, propose
from facilitator.services.workshop_schema import PROJECTOR_GROUPS, PROJECTOR_VIEWS


def load_suggestion(workshop: Workshop, suggestion_id: int) -> Suggestion:
    suggestion = db.session.get(Suggestion, suggestion_id)
    if suggestion is None or suggestion.workshop_id != workshop.id:
        abort(404)
    return suggestion


def chosen_question(workshop: Workshop) -> Question | None:
    wanted = request.args.get("question", type=int) or request.form.get("question", type=int)
    by_id = {q.id: q for q in workshop.questions}
    return by_id.get(wanted) or workshop.current_question or (workshop.questions[0] if workshop.questions else None)


def back(workshop: Workshop, question: Question | None, anchor: str = "board"):
    return redirect(url_for("host.suggestions", workshop_id=workshop.id,
                            question=question.id if question else None, **proposal_settings(),
                            _anchor=anchor), 303)


def proposal_settings() -> dict:
    """The open theme proposal's settings, as the board's requests carry them (hx-vals)."""
    granularity = parse_granularity(request.values.get("granularity"))
    if granularity is None:
        return {}
    return {"granularity": granularity, "dropped": ",".join(parse_dropped(request.values.get("dropped")))}


def finish(workshop: Workshop, question: Question | None, error: DomainError | None, *,
           changed: tuple[Suggestion, ...] | Suggestion = (), phones: bool = False, consoles_only: bool = False):
    """Announce the change (told once the request's work is committed), or roll back and say why;
    htmx gets the board, a plain form a redirect."""
    if error is not None:
        db.session.rollback()
        flash(error.message, "error")
    else:
        for suggestion in changed if isinstance(changed, tuple) else (changed,):
            announcements.suggestion(workshop, suggestion)
        if consoles_only:
            announcements.console(workshop)
        elif phones:
            announcements.questions(workshop)
        else:
            announcements.stage(workshop)
    if request.headers.get("HX-Request") and question is not None:
        return render_template("host/_board.html", **board_context(workshop, question))
    return back(workshop, question)


def board_context(workshop: Workshop, question: Question) -> dict:
    rows = db.session.scalars(select(Suggestion).where(Suggestion.question_id == question.id)
                              .order_by(Suggestion.pinned.desc(), Suggestion.id)).all()
    question_themes = themes.themes_for(workshop, question)
    tally = voting.tally(question)
    visible = [s for s in rows if s.status == SuggestionStatus.VISIBLE]
    settings = proposal_settings()
    return {
        "duplicates": possible_duplicates(workshop, rows), "proposal_settings": settings,
        "proposals": propose(workshop, question, settings["granularity"], parse_dropped(settings["dropped"]))
        if settings else None,
        "workshop": workshop, "question": question, "themes": question_themes, "tally": tally,
        "pending": [s for s in rows if s.status == SuggestionStatus.PENDING],
        "hidden": [s for s in rows if s.status == SuggestionStatus.HIDDEN],
        "merged": [s for s in rows if s.status == SuggestionStatus.MERGED],
        "columns": [(None, [s for s in visible if s.theme_id is None])] +
                   [(t, [s for s in visible if s.theme_id == t.id]) for t in question_themes],
        "visible": visible,
        "other_answers": other_answers(question) if question.allow_other else [],
    }


@bp.get("/workshops/<int:workshop_id>/suggestions")
def suggestions(workshop_id: int):
    """Moderate one question's suggestions, group them, run its vote, steer the projector."""
    workshop = load_workshop(workshop_id)
    question = chosen_question(workshop)
    if question is None:
        flash(_("Add a question first."), "info")
        return redirect(url_for("host.workshop", workshop_id=workshop.id), 303)
    if request.args.get("fragment") == "board":
        return render_template("host/_board.html", **board_context(workshop, question))
    return render_template("host/suggestions.html", views=PROJECTOR_VIEWS, groups=PROJECTOR_GROUPS,
                           **board_context(workshop, question))


@bp.post("/workshops/<int:workshop_id>/suggestions/<int:suggestion_id>/<any(hide, show, approve):act>")
def suggestion_status(workshop_id: int, suggestion_id: int, act: str):
    """Hide a suggestion from the projector, show it again, or approve a waiting one."""
    workshop = load_workshop(workshop_id)
    suggestion = load_suggestion(workshop, suggestion_id)
    status = SuggestionStatus.HIDDEN if act == "hide" else SuggestionStatus.VISIBLE
    try:
        moderation.set_status(current_user, suggestion, status)
    except DomainError as error:
        return finish(workshop, suggestion.question, error)
    return finish(workshop, suggestion.question, None, changed=suggestion)


@bp.post("/workshops/<int:workshop_id>/suggestions/<int:suggestion_id>/edit")
def suggestion_edit(workshop_id: int, suggestion_id: int):
    """Reword a suggestion; the participant's original is kept."""
    workshop = load_workshop(workshop_id)
    suggestion = load_suggestion(workshop, suggestion_id)
    try:
        moderation.edit_text(current_user, suggestion, request.form.get("text", ""),
                             current_app.config["SUGGESTION_MAX_LENGTH"])
    except DomainError as error:
        return finish(workshop, suggestion.question, error)
    return finish(workshop, suggestion.question, None, changed=suggestion)


@bp.post("/workshops/<int:workshop_id>/suggestions/<int:suggestion_id>/<any(pin, unpin):act>")
def suggestion_pin(workshop_id: int, suggestion_id: int, act: str):
    """Pin a suggestion to the top of the projector, or unpin it (a question to the panel: the
    one being answered now, one at a time)."""
    workshop = load_workshop(workshop_id)
    suggestion = load_suggestion(workshop, suggestion_id)
    if act == "pin" and suggestion.question.kind == QuestionKind.QANDA:
        pin_for_panel(current_user, suggestion)
    else:
        moderation.set_pinned(current_user, suggestion, act == "pin")
    return finish(workshop, suggestion.question, None, changed=suggestion)


@bp.post("/workshops/<int:workshop_id>/suggestions/<int:suggestion_id>/merge")
def suggestion_merge(workshop_id: int, suggestion_id: int):
    """Fold a duplicate into another suggestion; it keeps its source and its votes."""
    workshop = load_workshop(workshop_id)
    source = load_suggestion(workshop, suggestion_id)
    target_id = request.form.get("target", type=int)
    target = db.session.get(Suggestion, target_id) if target_id else None
    if target is None or target.workshop_id != workshop.id:
        return finish(workshop, source.question, DomainError(_("Choose the suggestion to merge into.")))
    try:
        moderation.merge(current_user, source, target)
    except DomainError as error:
        return finish(workshop, source.question, error)
    return finish(workshop, source.question, None, changed=(source, target))


@bp.post("/workshops/<int:workshop_id>/suggestions/<int:suggestion_id>/unmerge")
def suggestion_unmerge(workshop_id: int, suggestion_id: int):
    """Separate a merged suggestion again."""
    workshop = load_workshop(workshop_id)
    source = load_suggestion(workshop, suggestion_id)
    try:
        moderation.unmerge(current_user, source)
    except DomainError as error:
        return finish(workshop, source.question, error)
    return finish(workshop, source.question, None, changed=source)


@bp.post("/workshops/<int:workshop_id>/suggestions/<int:suggestion_id>/theme")
def suggestion_theme(workshop_id: int, suggestion_id: int):
    """Move a suggestion into a theme, or out of all themes (the keyboard and no-script path)."""
    workshop = load_workshop(workshop_id)
    suggestion = load_suggestion(workshop, suggestion_id)
    theme_id = request.form.get("theme", type=int)
    theme = db.session.get(Theme, theme_id) if theme_id else None
    try:
        themes.assign_theme(current_user, suggestion, theme)
    except DomainError as error:
        return finish(workshop, suggestion.question, error)
    return finish(workshop, suggestion.question, None, changed=suggestion)


@bp.post("/workshops/<int:workshop_id>/suggestions/<int:suggestion_id>/action")
def suggestion_action(workshop_id: int, suggestion_id: int):
    """Turn a suggestion into an action with an owner and a due date."""
    workshop = load_workshop(workshop_id)
    suggestion = load_suggestion(workshop, suggestion_id)
    try:
        themes.create_action(current_user, workshop, request.form.get("what") or suggestion.text,
                             request.form.get("owner", ""), parse_date(request.form.get("due_date")),
                             suggestion=suggestion)
    except DomainError as error:
        return finish(workshop, suggestion.question, error)
    flash(_("Action added to the plan."), "success")
    return finish(workshop, suggestion.question, None)


@bp.post("/workshops/<int:workshop_id>/questions/<int:question_id>/suggestions")
def suggestion_add(workshop_id: int, question_id: int):
    """Type in a suggestion yourself (from a flip chart or a table's notes)."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    try:
        suggestion = add_suggestion_as_facilitator(current_user, question, request.form.get("text", ""))
    except DomainError as error:
        return finish(workshop, question, error)
    return finish(workshop, question, None, changed=suggestion)


@bp.post("/workshops/<int:workshop_id>/themes")
def theme_create(workshop_id: int):
    """A new theme for the question on the board."""
    workshop = load_workshop(workshop_id)
    question = chosen_question(workshop)
    try:
        themes.create_theme(current_user, workshop, request.form.get("name", ""), question)
    except DomainError as error:
        return finish(workshop, question, error)
    return finish(workshop, question, None)


@bp.post("/workshops/<int:workshop_id>/themes/<int:theme_id>/<any(rename, delete):act>")
def theme_change(workshop_id: int, theme_id: int, act: str):
    """Rename a theme, or remove it (its suggestions become ungrouped)."""
    workshop = load_workshop(workshop_id)
    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.workshop_id != workshop.id:
        abort(404)
    question = chosen_question(workshop)
    try:
        if act == "rename":
            themes.rename_theme(current_user, theme, request.form.get("name", ""))
        else:
            themes.delete_theme(current_user, theme)
    except DomainError as error:
        return finish(workshop, question, error)
    return finish(workshop, question, None, phones=False)


@bp.post("/workshops/<int:workshop_id>/projector")
def projector_settings(workshop_id: int):
    """What the projector shows (list, word cloud, tally, ranking) and how the list is grouped."""
    workshop = load_workshop(workshop_id)
    view, group = request.form.get("view", "list"), request.form.get("group", "none")
    if view not in PROJECTOR_VIEWS or group not in PROJECTOR_GROUPS:
        return finish(workshop, chosen_question(workshop), DomainError(_("Unknown projector view.")))
    workshop.projector_view, workshop.projector_group = view, group
    moderation.record(workshop, current_user, "projector", view=view, group=group)
    return finish(workshop, chosen_question(workshop), None)


@bp.post("/workshops/<int:workshop_id>/results/<any(hide, reveal):act>")
def results_visibility(workshop_id: int, act: str):
    """Keep suggestions off the projector while people write, or reveal them with one click."""
    workshop = load_workshop(workshop_id)
    moderation.set_results_hidden(current_user, workshop, act == "hide")
    return finish(workshop, chosen_question(workshop), None, phones=True)


@bp.post("/workshops/<int:workshop_id>/moderation")
def moderation_mode(workshop_id: int):
    """Post-moderation (shown at once) or pre-moderation (a queue to approve)."""
    workshop = load_workshop(workshop_id)
    try:
        moderation.set_moderation_mode(current_user, workshop, request.form.get("mode", ""))
    except DomainError as error:
        return finish(workshop, chosen_question(workshop), error)
    return finish(workshop, chosen_question(workshop), None)


@bp.post("/workshops/<int:workshop_id>/questions/<int:question_id>/voting/<any(open, close):act>")
def voting_state(workshop_id: int, question_id: int, act: str):
    """Open dot voting on a question (with its budget), or close it and show the ranking."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    try:
        if act == "open":
            voting.set_vote_settings(current_user, workshop,
                                     request.form.get("budget", type=int) or workshop.vote_budget,
                                     request.form.get("max_per_item", type=int) or workshop.vote_max_per_item)
            voting.open_voting(current_user, question)
            workshop.projector_view = "tally"
        else:
            voting.close_voting(current_user, question)
            workshop.projector_view = "ranking"
    except DomainError as error:
        return finish(workshop, question, error)
    return finish(workshop, question, None, phones=True)


def parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(_("Write the date as year-month-day, like 2026-12-01.")) from None
