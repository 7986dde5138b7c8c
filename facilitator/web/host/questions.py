"""A workshop's questions: add, reword, reorder, delete, and which one the room answers."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from facilitator.web.host import bp, first_error, load_question, load_workshop
from facilitator.web.host.moderation import finish, load_suggestion
from facilitator.web.host.workshops import console_context
from facilitator.infra.extensions import db
from facilitator.web.forms import NewQuestionForm, QuestionForm, QuestionKindForm
from facilitator.models import Answer, Question, SuggestionStatus, Workshop
from facilitator.services import DomainError, announcements
from facilitator.services import questions as question_service
from facilitator.services.answers import set_other_status
from facilitator.services.qanda import set_answered
from facilitator.services.question_kinds import KindSettings, prepare_question, ranking_sources
from facilitator.services.workshops import next_event_seq


@bp.post("/workshops/<int:workshop_id>/questions")
def add_question(workshop_id: int):
    """Add a question at the end of the list."""
    workshop = load_workshop(workshop_id)
    form = NewQuestionForm(sources=ranking_sources(None, workshop.questions))
    error = None
    if form.validate_on_submit():
        try:
            question = question_service.add_question(workshop, form.text.data)
            prepare_question(question, settings_from(form), source_of(workshop, form))
        except DomainError as exc:
            error = exc.message
    else:
        error = first_error(form)
    return questions_changed(workshop, error, kept={"new": form})


@bp.post("/workshops/<int:workshop_id>/questions/<int:question_id>/kind")
def change_question_kind(workshop_id: int, question_id: int):
    """Change what kind of question it is, its options and settings (until someone answers)."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    form = QuestionKindForm(prefix=f"q{question.id}-", sources=ranking_sources(question, workshop.questions))
    error = None
    if form.validate_on_submit():
        try:
            prepare_question(question, settings_from(form), source_of(workshop, form))
        except DomainError as exc:
            error = exc.message
    else:
        error = first_error(form)
    return questions_changed(workshop, error, broadcast=error is None, kept={question.id: form})


def settings_from(form) -> KindSettings:
    """The kind form's fields as the settings the domain checks."""
    low, high = (int(end) for end in form.scale.data.split("-"))
    return KindSettings(kind=form.kind.data, options=(form.options.data or "").splitlines(),
                        multiple=form.multiple.data, max_choices=form.max_choices.data,
                        allow_other=form.allow_other.data, scale_min=low, scale_max=high,
                        low_label=form.low_label.data or "", high_label=form.high_label.data or "",
                        premoderated=form.premoderated.data)


def source_of(workshop: Workshop, form) -> Question | None:
    """The earlier question whose suggestions a ranking takes, if the form chose one."""
    if form.kind.data != "ranking" or not form.ranking_source.data:
        return None
    return next((q for q in workshop.questions if q.id == form.ranking_source.data), None)


@bp.post("/workshops/<int:workshop_id>/questions/<int:question_id>")
def edit_question(workshop_id: int, question_id: int):
    """Change a question's wording."""
    workshop = load_workshop(workshop_id)
    question = load_question(workshop, question_id)
    form = QuestionForm()
    error = None
    if form.validate_on_submit():
        try:
            question_service.edit_question(question, form.text.data)
        except DomainError as exc:
            error = exc.message
    else:
        error = first_error(form)
    return questions_changed(workshop, error, broadcast=error is None)


@bp.post("/workshops/<int:workshop_id>/questions/<int:question_id>/<any(up, down):direction>")
def move_question(workshop_id: int, question_id: int, direction: str):
    """Move a question one place up or down."""
    workshop = load_workshop(workshop_id)
    question_service.move_question(load_question(workshop, question_id), -1 if direction == "up" else 1)
    return questions_changed(workshop)


@bp.post("/workshops/<int:workshop_id>/questions/<int:question_id>/delete")
def delete_question(workshop_id: int, question_id: int):
    """Delete a question that nobody has answered yet."""
    workshop = load_workshop(workshop_id)
    error = None
    try:
        question_service.delete_question(load_question(workshop, question_id))
    except DomainError as exc:
        error = exc.message
    return questions_changed(workshop, error, broadcast=error is None)


@bp.post("/workshops/<int:workshop_id>/questions/<int:question_id>/show")
def show_question(workshop_id: int, question_id: int):
    """Put a question on the projector and open it on the phones."""
    workshop = load_workshop(workshop_id)
    question_service.show_question(workshop, load_question(workshop, question_id))
    return questions_changed(workshop, broadcast=True)


@bp.post("/workshops/<int:workshop_id>/questions/<int:question_id>/<any(open, close):action>")
def toggle_question(workshop_id: int, question_id: int, action: str):
    """Open a question for suggestions, or close it."""
    workshop = load_workshop(workshop_id)
    question_service.set_question_open(workshop, load_question(workshop, question_id), action == "open")
    return questions_changed(workshop, broadcast=True)


@bp.post("/workshops/<int:workshop_id>/suggestions/<int:suggestion_id>/<any(answered, unanswered):act>")
def panel_question_answered(workshop_id: int, suggestion_id: int, act: str):
    """Mark a question to the panel answered (it moves down the list and is unpinned), or not yet."""
    workshop = load_workshop(workshop_id)
    suggestion = load_suggestion(workshop, suggestion_id)
    try:
        set_answered(current_user, suggestion, act == "answered")
    except DomainError as error:
        return finish(workshop, suggestion.question, error)
    return finish(workshop, suggestion.question, None, changed=suggestion)


@bp.post("/workshops/<int:workshop_id>/answers/<int:answer_id>/<any(show, hide):act>")
def other_answer_status(workshop_id: int, answer_id: int, act: str):
    """Approve or show an "other" answer's text on the screens, or hide it (the choice still counts)."""
    workshop = load_workshop(workshop_id)
    answer = db.session.get(Answer, answer_id)
    if answer is None or answer.workshop_id != workshop.id:
        abort(404)
    status = SuggestionStatus.VISIBLE if act == "show" else SuggestionStatus.HIDDEN
    set_other_status(current_user, answer, status)
    return finish(workshop, db.session.get(Question, answer.question_id), None)


def questions_changed(workshop: Workshop, error: str | None = None, *, broadcast: bool = False,
                      kept: dict | None = None):
    """Announce the new stage (unless refused), and answer with the questions panel.
    A refused form comes back as it was sent (``kept``: "new" or a question id → form), with
    and without JavaScript, so nothing typed is lost."""
    if error:
        db.session.rollback()
    else:
        kept = None
        if broadcast and workshop.is_live:
            next_event_seq(workshop)
            announcements.questions(workshop)
    htmx = request.headers.get("HX-Request")
    if htmx or (error and kept):
        db.session.refresh(workshop)
        context = console_context(workshop)
        for key, form in (kept or {}).items():
            if key == "new":
                context["question_form"] = form
            else:
                context["kind_forms"][key] = form
        template = "host/_console.html" if htmx else "host/workshop.html"
        return render_template(template, error=error, **context), 422 if error else 200
    if error:
        flash(error, "error")
    return redirect(url_for("host.workshop", workshop_id=workshop.id, _anchor="questions"), 303)
