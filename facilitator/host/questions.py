"""A workshop's questions: add, reword, reorder, delete, and which one the room answers."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from . import bp, first_error, load_question, load_workshop
from .workshops import console_context
from .. import realtime
from ..extensions import db
from ..forms import QuestionForm
from ..models import Workshop
from ..services import DomainError
from ..services import questions as question_service
from ..services.workshops import next_event_seq


@bp.post("/workshops/<int:workshop_id>/questions")
def add_question(workshop_id: int):
    """Add a question at the end of the list."""
    workshop = load_workshop(workshop_id)
    form = QuestionForm()
    error = None
    if form.validate_on_submit():
        try:
            question_service.add_question(workshop, form.text.data)
        except DomainError as exc:
            error = exc.message
    else:
        error = first_error(form)
    return questions_changed(workshop, error, form_text=form.text.data if error else "")


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


def questions_changed(workshop: Workshop, error: str | None = None, *, broadcast: bool = False,
                      form_text: str = ""):
    """Commit (unless refused), push the new stage, and answer with the questions panel."""
    if error:
        db.session.rollback()
    else:
        if broadcast and workshop.is_live:
            next_event_seq(workshop)
        db.session.commit()
        if broadcast and workshop.is_live:
            realtime.broadcast_stage(workshop)
    if request.headers.get("HX-Request"):
        db.session.refresh(workshop)
        context = console_context(workshop)
        context["question_form"].text.data = form_text
        return render_template("host/_console.html", error=error, **context), 422 if error else 200
    if error:
        flash(error, "error")
    return redirect(url_for("host.workshop", workshop_id=workshop.id, _anchor="questions"), 303)
