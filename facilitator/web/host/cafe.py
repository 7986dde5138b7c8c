"""Tables, hosts and timed rounds of a café dialogue, steered from the console."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from facilitator.web.host import bp, load_workshop
from facilitator.infra.extensions import db
from facilitator.web.forms import finite_number
from facilitator.models import Participant, Question, Workshop
from facilitator.services import DomainError, announcements
from facilitator.services import rounds as round_service
from facilitator.services import tables as table_service


def form_int(name: str, default: int | None = None) -> int | None:
    return request.form.get(name, default, type=int)


def form_question(workshop: Workshop) -> Question | None:
    question_id = form_int("question_id")
    return next((q for q in workshop.questions if q.id == question_id), None)


def done(workshop: Workshop, error: DomainError | None, message: str):
    """Tell every screen and phone (once the request's work is committed), or roll back and say
    why; back to the page."""
    if error is not None:
        db.session.rollback()
        flash(error.message, "error")
    else:
        announcements.questions(workshop)
        flash(message, "success")
    return redirect(url_for("host.cafe", workshop_id=workshop.id), 303)


@bp.get("/workshops/<int:workshop_id>/cafe")
def cafe(workshop_id: int):
    """Tables (names, questions, hosts), who sits where, and the rounds with their timer."""
    workshop = load_workshop(workshop_id)
    round_ = round_service.current_round(workshop)
    seated = table_service.seated(workshop)
    unseated = db.session.scalars(db.select(Participant).where(
        Participant.workshop_id == workshop.id, Participant.table_id.is_(None))
        .order_by(Participant.id)).all()
    return render_template(
        "host/cafe.html", workshop=workshop, round=round_, round_running=round_service.is_running(round_),
        seconds_left=round_service.seconds_left(round_), seated=seated, unseated=unseated,
        next_minutes=f"{round_service.next_round_minutes(workshop):g}",
        plan=table_service.rotation_plan(workshop), table_label=table_service.table_label)


@bp.post("/workshops/<int:workshop_id>/cafe/settings")
def cafe_settings(workshop_id: int):
    """How many tables, and whether tables share the round's question or keep their own."""
    workshop = load_workshop(workshop_id)
    try:
        table_service.set_table_count(current_user, workshop, form_int("table_count", -1))
        round_service.set_table_mode(current_user, workshop, request.form.get("table_mode", ""))
    except DomainError as error:
        return done(workshop, error, "")
    return done(workshop, None, _("Tables saved."))


@bp.post("/workshops/<int:workshop_id>/cafe/tables/<int:number>")
def cafe_table(workshop_id: int, number: int):
    """Name a table and give it its own question."""
    workshop = load_workshop(workshop_id)
    table = table_service.get_table(workshop, number)
    if table is None:
        return done(workshop, DomainError(_("That table does not exist.")), "")
    try:
        table_service.update_table(current_user, table, request.form.get("name", ""), form_question(workshop))
    except DomainError as error:
        return done(workshop, error, "")
    return done(workshop, None, _("Table %(number)d saved.", number=number))


@bp.post("/workshops/<int:workshop_id>/cafe/participants/<int:participant_id>")
def cafe_seat(workshop_id: int, participant_id: int):
    """Seat a participant at a table and give them a role there (host, scribe)."""
    workshop = load_workshop(workshop_id)
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.workshop_id != workshop.id:
        return done(workshop, DomainError(_("That participant is not in this workshop.")), "")
    try:
        table_service.seat(participant, table_service.get_table(workshop, form_int("table")))
        table_service.set_role(participant, request.form.get("role", "member"))
    except DomainError as error:
        return done(workshop, error, "")
    return done(workshop, None, _("Seating saved."))


@bp.post("/workshops/<int:workshop_id>/cafe/rounds")
def start_round(workshop_id: int):
    """Start the next round with its duration (and its question when tables share one)."""
    workshop = load_workshop(workshop_id)
    try:
        minutes = finite_number(request.form.get("minutes"))
    except ValueError:
        return done(workshop, DomainError(_("Give the round's length in minutes, like 15.")), "")
    try:
        round_ = round_service.start_round(current_user, workshop, minutes, form_question(workshop))
    except DomainError as error:
        return done(workshop, error, "")
    return done(workshop, None, _("Round %(number)d started.", number=round_.number))


@bp.post("/workshops/<int:workshop_id>/cafe/rounds/end")
def end_round(workshop_id: int):
    """End the running round now; the phones say where to go next."""
    workshop = load_workshop(workshop_id)
    try:
        round_ = round_service.end_round(current_user, workshop)
    except DomainError as error:
        return done(workshop, error, "")
    return done(workshop, None, _("Round %(number)d ended.", number=round_.number))
