"""The facilitator's side: workshops, their questions, and steering them live."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from . import realtime
from .extensions import db
from .exporters import format_when, labels
from .forms import MinutesForm, NewWorkshopForm, QuestionForm, WorkshopForm
from .i18n import workshop_locale
from .models import Question, Workshop
from .services import DomainError
from .services import questions as question_service
from .services.minutes import MinutesEdit, StaleMinutes, compile_minutes, current_edit, save_minutes
from .services.participants import count_participants
from .services.suggestions import count_by_question, list_visible
from .services.text import clean_text
from .services.workshops import (
    WorkshopDetails, change_status, create_workshop, get_workshop_for, list_workshops_for,
    next_event_seq, update_workshop,
)
from .urls import join_url, qr_svg

bp = Blueprint("host", __name__, url_prefix="/host")


@bp.before_request
@login_required
def require_login():
    """Every page here belongs to a logged-in facilitator."""


def load_workshop(workshop_id: int) -> Workshop:
    """The workshop if the current facilitator steers it; otherwise 404, as if it did not exist."""
    workshop = get_workshop_for(current_user, workshop_id)
    if workshop is None:
        abort(404)
    return workshop


def load_question(workshop: Workshop, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.workshop_id != workshop.id:
        abort(404)
    return question


@bp.get("/")
def dashboard():
    """The facilitator's workshops."""
    return render_template("host/dashboard.html", workshops=list_workshops_for(current_user))


@bp.route("/workshops/new", methods=["GET", "POST"])
def new_workshop():
    """Create a draft workshop with its questions."""
    form = NewWorkshopForm()
    if request.method == "GET":
        form.language.data = current_user.locale or "nb"
    if form.validate_on_submit():
        try:
            texts = [clean_text(line, max_length=question_service.QUESTION_MAX_LENGTH)
                     for line in (form.questions.data or "").splitlines() if line.strip()]
            workshop = create_workshop(current_user, details_from(form), texts)
        except DomainError as error:
            field_errors(form, error)
        else:
            db.session.commit()
            flash(_("Workshop created. Check the questions, then go live when the room is ready."), "success")
            return redirect(url_for("host.workshop", workshop_id=workshop.id), 303)
    return render_template("host/workshop_form.html", form=form, workshop=None), 422 if form.errors else 200


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
def edit_workshop(workshop_id: int):
    """Change a workshop's title, time, place, theme, language and program."""
    workshop = load_workshop(workshop_id)
    form = WorkshopForm(obj=workshop)
    if form.validate_on_submit():
        try:
            update_workshop(workshop, details_from(form))
        except DomainError as error:
            field_errors(form, error)
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("host.workshop", workshop_id=workshop.id), 303)
    return render_template("host/workshop_form.html", form=form, workshop=workshop), 422 if form.errors else 200


@bp.get("/workshops/<int:workshop_id>")
def workshop(workshop_id: int):
    """The console: status, join details, questions, and the live feed."""
    workshop = load_workshop(workshop_id)
    return render_template("host/workshop.html", **console_context(workshop))


def console_context(workshop: Workshop) -> dict:
    current = workshop.current_question
    return {
        "workshop": workshop,
        "question_form": QuestionForm(formdata=None),
        "counts": count_by_question(workshop),
        "participant_count": count_participants(workshop),
        "current_suggestions": list_visible(current) if current else [],
        "join_url": join_url(workshop),
        "qr_svg": qr_svg(join_url(workshop)),
    }


@bp.post("/workshops/<int:workshop_id>/status")
def change_workshop_status(workshop_id: int):
    """Go live, close, or reopen."""
    workshop = load_workshop(workshop_id)
    try:
        change_status(workshop, request.form.get("status", ""))
        next_event_seq(workshop)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        realtime.broadcast_status(workshop)
        flash(status_message(workshop.status), "success")
    return redirect(url_for("host.workshop", workshop_id=workshop.id), 303)


def status_message(status: str) -> str:
    return {
        "live": _("The workshop is live: participants can join with the code."),
        "closed": _("The workshop is closed. The minutes are ready to download."),
    }.get(status, _("Status changed."))


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


def details_from(form: WorkshopForm) -> WorkshopDetails:
    return WorkshopDetails(
        title=clean_text(form.title.data, max_length=200, field="title"),
        date=form.date.data, start_time=form.start_time.data, end_time=form.end_time.data,
        place=clean_text(form.place.data, max_length=200, required=False, field="place"),
        theme=clean_text(form.theme.data, max_length=200, required=False, field="theme"),
        language=form.language.data,
        program=clean_text(form.program.data, max_length=20000, multiline=True, required=False,
                           field="program"))


def field_errors(form, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def first_error(form) -> str:
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return _("Please check the form.")


@bp.route("/workshops/<int:workshop_id>/minutes", methods=["GET", "POST"])
def minutes(workshop_id: int):
    """Edit the organiser's words in the minutes, with a preview and downloads."""
    workshop = load_workshop(workshop_id)
    edit, revision = current_edit(workshop)
    form = MinutesForm(data={**edit.__dict__, "base_revision": revision})
    stale = False
    if form.validate_on_submit():
        try:
            save_minutes(workshop, current_user, MinutesEdit(
                form.opening_text.data or "", form.closing_text.data or "", form.signature.data or "",
                form.participant_count.data), int(form.base_revision.data or 0))
        except StaleMinutes as error:
            db.session.rollback()
            stale = True
            flash(error.message, "error")
            form.base_revision.data = str(current_edit(workshop)[1])
        except DomainError as error:
            db.session.rollback()
            field_errors(form, error)
        else:
            db.session.commit()
            flash(_("Minutes saved."), "success")
            return redirect(url_for("host.minutes", workshop_id=workshop.id), 303)
    compiled = compile_minutes(workshop)
    with workshop_locale(workshop):
        preview = Markup(render_template("export/_minutes_body.html", minutes=compiled,
                                         label=labels(), when=format_when(compiled)))
    return render_template("host/minutes.html", workshop=workshop, form=form, preview=preview,
                           stale=stale, saved=current_edit(workshop)[0] if stale else None,
                           revision=compiled.revision), 422 if form.errors or stale else 200
