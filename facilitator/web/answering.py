"""The phone answers multiple-choice, scale and ranking questions and upvotes questions to the panel.

Plain forms that work without JavaScript: a refused answer comes back with the choices made
and why; with JavaScript (static/js/answers.js) the phone keeps an unsent answer until the
server has it and says "saved" only then. Every change pushes the screens' results, coalesced
by the live layer like suggestions.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from facilitator.web.errors import render_error
from facilitator.infra.extensions import db
from facilitator.web.limits import vote_limit
from facilitator.models import Participant, Question, QuestionKind, Suggestion, Workshop
from facilitator.web.participant import current_participant, load_workshop, new_client_id, panel_context, require_participant
from facilitator.services import DomainError, announcements
from facilitator.services.answer_results import results_for
from facilitator.services.answers import ANSWERED_KINDS, count_answers, own_values, submit_answer, values_from_form
from facilitator.services.qanda import list_panel_questions, own_upvotes, set_upvote

bp = Blueprint("answering", __name__)


@bp.app_context_processor
def answer_helpers() -> dict:
    """What a phone's question needs beyond open text, computed here once per question."""
    return {"answer_view": answer_view, "stage_view": stage_view}


def stage_view(workshop: Workshop, question: Question) -> dict:
    """What the projector shows of a question that is not open text: its results, or the
    questions to the panel, and how many have answered while results are hidden."""
    if question.kind == QuestionKind.QANDA:
        return {"panel": [] if workshop.results_hidden else list_panel_questions(question)}
    if workshop.results_hidden:
        return {"answered": count_answers(question)}
    return {"results": results_for(question)}


def answer_view(workshop: Workshop, participant: Participant, question: Question, sent=None) -> dict:
    """A question's own answer (or upvotes) and, unless the facilitator hides results, its results.
    ``sent`` is a refused form: what it chose is shown again, as typed, instead of the stored answer."""
    shown = not workshop.results_hidden
    if question.kind == QuestionKind.QANDA:
        return {"panel": list_panel_questions(question) if shown else [],
                "upvoted": own_upvotes(participant, question)}
    values, other_text = own_values(participant, question)
    picked = {option_id: str(value) for option_id, value in values.items()}
    other_ticked = bool(other_text)
    if sent is not None:
        picked, other_text, other_ticked = picked_in(question, sent)
    return {"picked": picked, "other_text": other_text, "other_ticked": other_ticked,
            "answered": bool(values or other_text),
            "results": results_for(question) if shown and (values or other_text) else None}


def picked_in(question: Question, sent) -> tuple[dict[int, str], str, bool]:
    """What a sent form chose, per option, as the raw text it sent (nothing is lost, nothing trusted)."""
    if question.kind == QuestionKind.CHOICE:
        ticked = sent.getlist("option")
        return ({o.id: "1" for o in question.options if str(o.id) in ticked}, sent.get("other_text", ""),
                "other" in ticked)
    prefix = "rate-" if question.kind == QuestionKind.SCALE else "rank-"
    return {o.id: sent.get(f"{prefix}{o.id}", "") for o in question.options}, "", False


def load_question(workshop: Workshop, question_id: int) -> Question | None:
    question = db.session.get(Question, question_id)
    return question if question is not None and question.workshop_id == workshop.id else None


@bp.post("/j/<code>/a/<int:question_id>")
@vote_limit
def answer(code: str, question_id: int):
    """Store this phone's answer to a choice, scale or ranking question (a change replaces it)."""
    workshop = load_workshop(code)
    participant = require_participant(workshop)
    question = load_question(workshop, question_id)
    if question is None or question.kind not in ANSWERED_KINDS:
        return render_error(404, _("Not found"), _("This question is no longer there: the facilitator has removed it."))
    error = None
    try:
        values, other_text = values_from_form(question, request.form)
        _answer, changed = submit_answer(participant, question, values, other_text, request.form.get("client_id"))
    except DomainError as exc:
        db.session.rollback()
        error, changed = exc.message, False
    if changed:
        announcements.answers(workshop)
    return answered(workshop, participant, question, error)


def answered(workshop: Workshop, participant: Participant, question: Question, error: str | None):
    """The question's answer block (htmx and the phone's outbox), or the page again."""
    if request.headers.get("HX-Request"):
        return render_template("participant/_answer.html", workshop=workshop, participant=participant,
                               question=question, error=error, saved=error is None,
                               sent_form=request.form if error else None,
                               new_client_id=new_client_id), 422 if error else 200
    if error and question.is_open:
        # Without JavaScript the choices made would vanish on a redirect: the page again, with them.
        context = panel_context(workshop, participant)
        context["answer_errors"] = {question.id: (error, request.form)}
        return render_template("participant/workshop.html", **context), 422
    flash(error or _("Saved. You can change your answer until the question closes."), "error" if error else "success")
    return redirect(url_for("participant.workshop", code=workshop.join_code, _anchor=f"q-{question.id}"), 303)


@bp.get("/j/<code>/panel/<int:question_id>")
def panel_questions(code: str, question_id: int):
    """The questions to the panel alone: what a phone refetches when the room asked a new one."""
    workshop = load_workshop(code)
    participant = current_participant(workshop)
    question = load_question(workshop, question_id)
    if participant is None or question is None or question.kind != QuestionKind.QANDA:
        return "", 200, {"HX-Refresh": "true"}
    return render_template("participant/_qanda.html", workshop=workshop, participant=participant, question=question)


@bp.post("/j/<code>/up/<int:suggestion_id>")
@vote_limit
def upvote(code: str, suggestion_id: int):
    """Upvote a question to the panel, or take the upvote back (``up`` is 1 or 0: a retry is harmless)."""
    workshop = load_workshop(code)
    participant = require_participant(workshop)
    suggestion = db.session.get(Suggestion, suggestion_id)
    if suggestion is None or suggestion.workshop_id != workshop.id:
        return render_error(404, _("Not found"), _("This question is no longer there: the facilitator has removed it."))
    error = None
    try:
        changed = set_upvote(participant, suggestion, request.form.get("up") == "1")
    except DomainError as exc:
        db.session.rollback()
        error, changed = exc.message, False
    if changed:
        announcements.upvotes(workshop, suggestion)
    if request.headers.get("HX-Request"):
        return render_template("participant/_qanda.html", workshop=workshop, participant=participant,
                               question=suggestion.question, qanda_error=error), 422 if error else 200
    if error:
        flash(error, "error")
    return redirect(url_for("participant.workshop", code=workshop.join_code,
                            _anchor=f"q-{suggestion.question_id}"), 303)
