"""The participant's phone: join with a code, answer open questions.

Every action is a plain form with a redirect, so it works with JavaScript
off; htmx swaps the answer in place when JavaScript is on.
"""
from __future__ import annotations

import uuid

from flask import (
    Blueprint, abort, flash, g, redirect, render_template, request, session, url_for,
)
from flask_babel import gettext as _

from facilitator.web.errors import render_error
from facilitator.infra.extensions import db
from facilitator.web.forms import CodeForm, JoinForm, SuggestionForm, VoteForm
from facilitator.infra.i18n import browser_locale, normalise_locale
from facilitator.services.workshops import results_public
from facilitator.web.results import results_response
from facilitator.web.limits import code_guess_limit, join_limit, refused_join_limit, suggestion_limits, vote_limit
from facilitator.models import CafeTable, Participant, Question, Suggestion, Workshop, WorkshopStatus
from facilitator.services import DomainError, announcements
from facilitator.services.accounts import has_any_facilitator
from facilitator.services.participants import get_participant, join_workshop
from facilitator.services.photos import may_take_photos, photos_of
from facilitator.services.rounds import current_round, is_running, seconds_left
from facilitator.services.suggestions import (
    list_newest_visible, list_own, list_visible, own_texts, questions_for, submit_suggestion, table_history,
)
from facilitator.services.tables import get_table, rotation_plan, seat, set_role, table_label
from facilitator.services.voting import own_votes, set_dots
from facilitator.services.workshops import get_workshop_by_code

bp = Blueprint("participant", __name__)

# A phone lists this many of the room's newest suggestions (pinned ones besides): enough to read
# on a small screen, and a page that stays light when a conference has sent thousands.
PHONE_ROOM_LIST_LENGTH = 50


def index():
    """The front page: a box for the code shown on the screen."""
    if not has_any_facilitator():
        return redirect(url_for("auth.setup"))
    return render_template("participant/index.html", form=CodeForm())


@bp.post("/join")
@code_guess_limit
def find_workshop():
    """Turn a typed code into the workshop's page."""
    form = CodeForm()
    if form.validate_on_submit():
        workshop = get_workshop_by_code(form.code.data)
        if workshop is not None:
            return redirect(url_for("participant.workshop", code=workshop.join_code), 303)
        form.code.errors.append(_("No workshop has that code. Check the code on the screen and try again."))
    return render_template("participant/index.html", form=form), 422


def load_workshop(code: str) -> Workshop:
    workshop = get_workshop_by_code(code)
    if workshop is None:
        abort(404)
    if code != workshop.join_code:
        abort(redirect(url_for("participant.workshop", code=workshop.join_code), 301))
    return workshop


def current_participant(workshop: Workshop) -> Participant | None:
    """The participant this phone joined as, remembered in the signed session cookie."""
    token = session.get("participants", {}).get(str(workshop.id))
    participant = get_participant(workshop, token)
    g.locale = (participant.locale if participant else None) or session.get("locale") \
        or browser_locale() or workshop.language
    return participant


def remember(participant: Participant) -> None:
    known = dict(session.get("participants", {}))
    known[str(participant.workshop_id)] = participant.token
    session["participants"] = known
    session.permanent = True


@bp.get("/j/<code>")
@code_guess_limit
def workshop(code: str):
    """The phone's page: the join form, or the open questions once joined."""
    workshop = load_workshop(code)
    participant = current_participant(workshop)
    if workshop.status != WorkshopStatus.LIVE and results_public(workshop):
        return results_response(workshop)
    if workshop.status != WorkshopStatus.LIVE:
        return render_template("participant/waiting.html", workshop=workshop, participant=participant)
    scanned = scanned_table(workshop)
    if participant is None:
        return render_template("participant/join.html", workshop=workshop, form=join_form(workshop, scanned),
                               scanned_table=scanned)
    if scanned is not None and scanned.id == participant.table_id:
        scanned = None
    return render_template("participant/workshop.html", scanned_table=scanned, scanned_label=table_label(scanned),
                           **panel_context(workshop, participant))


@bp.post("/j/<code>/join")
@code_guess_limit
@refused_join_limit
@join_limit
def join(code: str):
    """Join as a new participant (no account; the name is optional)."""
    workshop = load_workshop(code)
    participant = current_participant(workshop)
    if participant is not None:
        return redirect(url_for("participant.workshop", code=workshop.join_code), 303)
    form = join_form(workshop)
    if form.validate_on_submit():
        try:
            participant = join_workshop(workshop, form.display_name.data or "", locale=g.locale,
                                        passcode=form.passcode.data)
            seat(participant, get_table(workshop, form.table.data))
            if form.host.data:
                set_role(participant, "host")
        except DomainError as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None)
            if field is None or (field is form.table and not workshop.tables):
                form.form_errors.append(error.message)
            else:
                field.errors.append(error.message)
        else:
            remember(participant)
            return redirect(url_for("participant.workshop", code=workshop.join_code), 303)
    status = 422 if form.errors else 200
    if workshop.status != WorkshopStatus.LIVE:
        return render_template("participant/waiting.html", workshop=workshop, participant=None), 409
    return render_template("participant/join.html", workshop=workshop, form=form), status


def join_form(workshop: Workshop, chosen: CafeTable | None = None) -> JoinForm:
    """The join form, with the workshop's tables to choose from when it has any."""
    form = JoinForm()
    form.table.choices = [(0, _("Choose later"))] + [(t.number, table_label(t)) for t in workshop.tables]
    if chosen is not None:
        form.table.data = chosen.number
    return form


def scanned_table(workshop: Workshop) -> CafeTable | None:
    """The café table whose printed QR code opened the page (``?table=3``), if the workshop has it."""
    number = request.args.get("table", "")
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
    return get_table(workshop, int(number)) if number.isascii() and number.isdigit() else None


@bp.post("/j/<code>/table")
def change_table(code: str):
    """Move to another table (and, if asked, host it)."""
    workshop = load_workshop(code)
    participant = require_participant(workshop)
    form = join_form(workshop)
    error = None
    if form.validate_on_submit():
        try:
            seat(participant, get_table(workshop, form.table.data))
            set_role(participant, "host" if form.host.data else "member")
        except DomainError as exc:
            error = exc.message
    else:
        error = first_form_error(form)
    return after_phone_change(workshop, participant, error, _("You changed table."))


@bp.post("/j/<code>/vote/<int:suggestion_id>")
@vote_limit
def vote(code: str, suggestion_id: int):
    """Put dots on a suggestion, or take them back, while voting is open."""
    workshop = load_workshop(code)
    participant = require_participant(workshop)
    suggestion = db.session.get(Suggestion, suggestion_id)
    if suggestion is None or suggestion.workshop_id != workshop.id:
        abort(404)
    form = VoteForm()
    error = None
    if form.validate_on_submit():
        try:
            set_dots(participant, suggestion, form.dots.data)
        except DomainError as exc:
            error = exc.message
    else:
        error = first_form_error(form)
    if error is None:
        announcements.stage(workshop)
    else:
        db.session.rollback()
    if request.headers.get("HX-Request"):
        return render_template("participant/_voting.html", question=suggestion.question, error=error,
                               **panel_context(workshop, participant)), 422 if error else 200
    if error:
        flash(error, "error")
    return redirect(url_for("participant.workshop", code=workshop.join_code,
                            _anchor=f"vote-{suggestion.question_id}"), 303)


@bp.post("/j/<code>/language")
def choose_language(code: str):
    """Switch the phone's language at any time; nothing written is lost, the choice is kept."""
    workshop = load_workshop(code)
    locale = normalise_locale(request.form.get("locale"))
    if locale is None:
        abort(400)
    session["locale"] = locale
    participant = current_participant(workshop)
    if participant is not None:
        participant.locale = locale
    # The table of a scanned card's link (?table=3) survives the switch.
    table = request.form.get("table", "")
    preset = {"table": table} if table.isascii() and table.isdigit() else {}
    return redirect(url_for("participant.workshop", code=workshop.join_code, **preset), 303)


def require_participant(workshop: Workshop) -> Participant:
    participant = current_participant(workshop)
    if participant is None:
        flash(_("Please join the workshop first."), "error")
        abort(redirect(url_for("participant.workshop", code=workshop.join_code), 303))
    return participant


def after_phone_change(workshop, participant, error, done_message):
    if error:
        db.session.rollback()
        flash(error, "error")
    else:
        flash(done_message, "success")
    if request.headers.get("HX-Request"):
        return render_template("participant/_panel.html", **panel_context(workshop, participant))
    return redirect(url_for("participant.workshop", code=workshop.join_code), 303)


def first_form_error(form) -> str:
    return next((errors[0] for errors in form.errors.values() if errors), _("Please try again."))


@bp.get("/j/<code>/panel")
def panel(code: str):
    """The open questions alone: what a phone refetches when the facilitator moves on."""
    workshop = load_workshop(code)
    participant = current_participant(workshop)
    if participant is None or workshop.status != WorkshopStatus.LIVE:
        # The page as a whole has changed (closed, or cookie gone): reload it.
        return "", 200, {"HX-Refresh": "true"}
    return render_template("participant/_panel.html", **panel_context(workshop, participant))


@bp.post("/j/<code>/q/<int:question_id>")
@suggestion_limits[0]
@suggestion_limits[1]
def suggest(code: str, question_id: int):
    """Send a suggestion to an open question. A retried send is stored once."""
    workshop = load_workshop(code)
    participant = require_participant(workshop)
    question = db.session.get(Question, question_id)
    if question is None or question.workshop_id != workshop.id:
        # Said plainly: the phone keeps the text and shows this instead of retrying forever.
        return render_error(404, _("Not found"), _("This question is no longer there: the facilitator has removed it."))
    form = SuggestionForm()
    error = None
    if form.validate_on_submit():
        try:
            suggestion, created = submit_suggestion(participant, question, form.text.data,
                                                    form.client_id.data)
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
        else:
            # A retry of a stored send is free (see limits.spends_send_budget).
            g.send_was_replay = not created
            if created:
                announcements.suggestion(workshop, suggestion)
    else:
        error = next(iter(form.text.errors), None) or _("Please try again.")
    return answer_suggestion(workshop, participant, question, form, error)


def answer_suggestion(workshop, participant, question, form, error):
    if request.headers.get("HX-Request"):
        # The outbox takes the status and the phone's own list from this; the room's list is kept
        # current by the live pushes, and re-rendering it would make every send cost as much
        # as the room is large.
        kept_text = form.text.data if error else ""
        return render_template("participant/_compose.html", question=question, error=error,
                               text=kept_text, sent=error is None,
                               **compose_context(workshop, participant, question)), 422 if error else 200
    if error and not question.is_open:
        flash(error, "error")
        return redirect(url_for("participant.workshop", code=workshop.join_code), 303)
    if error:
        # Without JavaScript the text would vanish on redirect; show the form again with it.
        context = panel_context(workshop, participant)
        context["errors"] = {question.id: error}
        context["texts"] = {question.id: form.text.data}
        return render_template("participant/workshop.html", **context), 422
    flash(_("Sent! Thank you."), "success")
    return redirect(url_for("participant.workshop", code=workshop.join_code,
                            _anchor=f"q-{question.id}"), 303)


def panel_context(workshop: Workshop, participant: Participant) -> dict:
    """Everything a phone shows: its table and round, its questions, its own and the room's
    suggestions, what the host needs, and the voting lists."""
    questions = questions_for(participant)
    round_ = current_round(workshop)
    running = is_running(round_)
    plan = rotation_plan(workshop) if round_ and not running and participant.table_id else {}
    voting = {q.id: voting_context(participant, q) for q in workshop.questions if q.voting_open}
    return {
        "workshop": workshop,
        "participant": participant,
        "questions": questions,
        "voting": voting,
        "own": list_own(participant),
        **room_lists(workshop, questions),
        "room_list_length": PHONE_ROOM_LIST_LENGTH,
        "table": participant.table,
        "table_label": table_label(participant.table),
        "round": round_,
        "round_running": running,
        "seconds_left": seconds_left(round_),
        "results_public": results_public(workshop),
        "next_table": plan.get(participant.id),
        "host_history": table_history(participant) if participant.writes_for_table else [],
        **photo_context(participant),
        "new_client_id": new_client_id,
        "errors": {},
        "texts": {},
    }


def photo_context(participant: Participant) -> dict:
    """Whether this phone may photograph its table, and the table's photos so far."""
    allowed = may_take_photos(participant)
    return {"may_take_photos": allowed, "photo_error": None, "photo_caption": "",
            "table_photos": photos_of(participant.workshop, participant.table_id) if allowed else []}


def room_lists(workshop: Workshop, questions: list[Question]) -> dict:
    """The room's newest suggestions per question, and which lists were cut short."""
    if workshop.results_hidden:
        return {"room": {}, "room_more": {}}
    lists = {q.id: list_newest_visible(q, PHONE_ROOM_LIST_LENGTH) for q in questions}
    return {"room": {qid: shown for qid, (shown, _more) in lists.items()},
            "room_more": {qid: more for qid, (_shown, more) in lists.items()}}


def compose_context(workshop: Workshop, participant: Participant, question: Question) -> dict:
    """What a question's form and own list need, and no more: it answers every send."""
    return {
        "workshop": workshop,
        "participant": participant,
        "own": {question.id: own_texts(participant, question)},
        "table_label": table_label(participant.table),
        "new_client_id": new_client_id,
    }


def voting_context(participant: Participant, question: Question) -> dict:
    own = own_votes(participant, question)
    return {"question": question, "suggestions": list_visible(question), "own": own,
            "left": participant.workshop.vote_budget - sum(own.values())}


def new_client_id() -> str:
    """An id for one send; a double-tapped or re-posted form repeats it and is stored once."""
    return uuid.uuid4().hex
