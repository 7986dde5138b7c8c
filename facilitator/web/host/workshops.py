"""Creating, editing and steering a workshop: the dashboard, the console, its status."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from facilitator.web.host import bp, field_errors, load_workshop
from facilitator.infra.extensions import db
from facilitator.web.forms import NewQuestionForm, NewWorkshopForm, QuestionKindForm, WorkshopForm
from facilitator.models import Workshop, WorkshopStatus
from facilitator.services import DomainError, announcements
from facilitator.services import questions as question_service
from facilitator.services.moderation import set_results_page
from facilitator.web.limits import recent_floods
from facilitator.services.answers import answer_counts
from facilitator.services.followup import plan_next_meeting
from facilitator.services.question_kinds import ranking_sources
from facilitator.services.participants import count_participants, set_joining
from facilitator.services.retention import delete_workshop, set_retention
from facilitator.services.suggestions import count_by_question, list_visible
from facilitator.services.text import clean_text
from facilitator.services.workshops import (
    WorkshopDetails, change_status, create_workshop, is_owner, list_workshops_for, next_event_seq,
    update_workshop,
)
from facilitator.services.join_link import join_url, qr_svg


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
            flash(_("Changes saved."), "success")
            return redirect(url_for("host.workshop", workshop_id=workshop.id), 303)
    return render_template("host/workshop_form.html", form=form, workshop=workshop,
                           is_owner=is_owner(current_user, workshop)), 422 if form.errors else 200


@bp.get("/workshops/<int:workshop_id>")
def workshop(workshop_id: int):
    """The console: status, join details, questions, and the live feed."""
    workshop = load_workshop(workshop_id)
    if request.args.get("fragment") == "console":
        # What a console refetches after a reconnect or a co-facilitator's change.
        return render_template("host/_console.html", **console_context(workshop))
    return render_template("host/workshop.html", **console_context(workshop))


def console_context(workshop: Workshop) -> dict:
    current = workshop.current_question
    return {
        "workshop": workshop,
        "question_form": NewQuestionForm(formdata=None, sources=ranking_sources(None, workshop.questions)),
        "kind_forms": {q.id: QuestionKindForm.for_question(q, workshop.questions) for q in workshop.questions},
        "answer_counts": answer_counts(workshop),
        "counts": count_by_question(workshop),
        "participant_count": count_participants(workshop),
        "current_suggestions": list_visible(current) if current else [],
        "join_url": join_url(workshop),
        "qr_svg": qr_svg(join_url(workshop)),
        "floods": recent_floods(workshop.join_code),
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
        announcements.status(workshop)
        if workshop.status == WorkshopStatus.CLOSED:
            announcements.minutes(workshop)
        flash(status_message(workshop.status), "success")
    return redirect(url_for("host.workshop", workshop_id=workshop.id), 303)


@bp.post("/workshops/<int:workshop_id>/next")
def next_meeting(workshop_id: int):
    """A draft of the next meeting with this one's set-up and open actions; its date comes next."""
    previous = load_workshop(workshop_id)
    try:
        workshop, created = plan_next_meeting(current_user, previous)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("host.workshop", workshop_id=previous.id), 303)
    if created:
        flash(_("The next meeting is a draft with the same questions, tables and team, and the actions that "
                "are not done yet. Set its date."), "success")
    else:  # a second click, or another facilitator was first
        flash(_("The next meeting is already planned: here it is."), "success")
    return redirect(url_for("host.edit_workshop", workshop_id=workshop.id), 303)


@bp.post("/workshops/<int:workshop_id>/joining")
def joining(workshop_id: int):
    """Close or open joining, and set an optional passcode that phones must type."""
    workshop = load_workshop(workshop_id)
    try:
        set_joining(workshop, request.form.get("joining") != "closed", request.form.get("passcode"))
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("Joining is open.") if workshop.joining_open else _("Joining is closed."), "success")
    return redirect(url_for("host.workshop", workshop_id=workshop.id), 303)


@bp.post("/workshops/<int:workshop_id>/results-page")
def results_page(workshop_id: int):
    """Publish the participants' results page now, or keep it private even after closing."""
    workshop = load_workshop(workshop_id)
    set_results_page(workshop, published=request.form.get("published") == "y",
                     private=request.form.get("private") == "y")
    announcements.questions(workshop)
    flash(_("Changes saved."), "success")
    return redirect(url_for("host.workshop", workshop_id=workshop.id), 303)


@bp.post("/workshops/<int:workshop_id>/retention")
def retention(workshop_id: int):
    """How long the data is kept after closing, or archive it to keep it."""
    workshop = load_workshop(workshop_id)
    raw = request.form.get("retention_days", "").strip()
    try:
        days = int(raw) if raw else None
    except ValueError:
        days = -1
    try:
        set_retention(workshop, days, request.form.get("archived") == "y", current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("Changes saved."), "success")
    return redirect(url_for("host.edit_workshop", workshop_id=workshop.id, _anchor="data"), 303)


@bp.post("/workshops/<int:workshop_id>/delete")
def delete(workshop_id: int):
    """Delete the workshop and everything in it, for good."""
    workshop = load_workshop(workshop_id)
    if request.form.get("confirm") != "y":
        flash(_("Tick the box to confirm that everything in the workshop will be deleted."), "error")
        return redirect(url_for("host.edit_workshop", workshop_id=workshop.id, _anchor="data"), 303)
    try:
        delete_workshop(workshop, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("host.edit_workshop", workshop_id=workshop_id, _anchor="data"), 303)
    announcements.status(workshop)
    flash(_("The workshop and all its data are deleted."), "success")
    return redirect(url_for("host.dashboard"), 303)


def status_message(status: str) -> str:
    return {
        "live": _("The workshop is live: participants can join with the code."),
        "closed": _("The workshop is closed. The minutes are ready to download."),
    }.get(status, _("Status changed."))


def details_from(form: WorkshopForm) -> WorkshopDetails:
    return WorkshopDetails(
        title=clean_text(form.title.data, max_length=200, field="title"),
        date=form.date.data, start_time=form.start_time.data, end_time=form.end_time.data,
        place=clean_text(form.place.data, max_length=200, required=False, field="place"),
        theme=clean_text(form.theme.data, max_length=200, required=False, field="theme"),
        language=form.language.data,
        program=clean_text(form.program.data, max_length=20000, multiline=True, required=False,
                           field="program"))
