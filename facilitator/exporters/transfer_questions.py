"""The kinds of a workshop's questions, their options and the answers, in the JSON export and back.

Part of ``transfer``: options have keys of the file's own ("o1"), answers name their person by
a key that only ties one person's answers together ("p1"), never by a database id. An answer
is checked against its question's record (its options, its scale, a whole ranking) before
anything is written.
"""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from facilitator.services import DomainError
from facilitator.services.answers import OTHER_MAX_LENGTH
from facilitator.services.import_checks import Checker, InvalidImport
from facilitator.services.question_kinds import MAX_OPTIONS, OPTION_MAX_LENGTH, check_settings, set_question_kind
from facilitator.services.workshop_schema import QUESTION_FIELDS, export_workshop_fields, kind_settings, read_question_fields
from facilitator.infra.extensions import db
from facilitator.models import Answer, AnswerItem, Participant, Question, SuggestionStatus, Workshop

QUESTION_RECORD = {"key", "text", "voting", "options", "ranking_source"} | {f.name for f in QUESTION_FIELDS}
ANSWER_RECORD = {"question", "participant", "items", "other_text", "other_status"}
MAX_ANSWERS = 200_000


def export_question_kind(question: Question, question_keys: dict, option_keys: dict, suggestion_keys: dict) -> dict:
    """A question's kind, settings and options as the file holds them."""
    return {**export_workshop_fields(question, QUESTION_FIELDS),
            "ranking_source": question_keys.get(question.ranking_source_id),
            "options": [{"key": option_keys[o.id], "text": o.text, "suggestion": suggestion_keys.get(o.suggestion_id)}
                        for o in question.options]}


def option_keys_of(workshop: Workshop) -> dict[int, str]:
    options = [option for question in workshop.questions for option in question.options]
    return {option.id: f"o{n}" for n, option in enumerate(options, start=1)}


def export_answers(workshop: Workshop, question_keys: dict, option_keys: dict) -> list[dict]:
    """Every current answer; the person is a key that ties their answers together, nothing more."""
    answers = db.session.scalars(select(Answer).where(Answer.workshop_id == workshop.id).order_by(Answer.id)).all()
    people: dict[int, str] = {}
    for answer in answers:
        people.setdefault(answer.participant_id, f"p{len(people) + 1}")
    return [{"question": question_keys[a.question_id], "participant": people[a.participant_id],
             "items": {option_keys[item.option_id]: item.value for item in a.items},
             "other_text": a.other_text, "other_status": a.other_status} for a in answers]


# -- reading ------------------------------------------------------------------------------------

def read_question_kind(c: Checker, where) -> dict:
    """The kind part of a question record: settings, options (with their keys), source question."""
    values = read_question_fields(c)
    raw_options = c.get("options", required=False) or []
    if not isinstance(raw_options, list) or len(raw_options) > MAX_OPTIONS:
        c.fail(_l("%(where)s: “%(field)s” must be a list of at most %(max)d options.",
                  where=where, field="options", max=MAX_OPTIONS))
    options = []
    for record in raw_options:
        o = Checker(record, where, {"key", "text", "suggestion"})
        options.append({"key": o.text("key", 40, required=True, empty_ok=False),
                        "text": o.text("text", OPTION_MAX_LENGTH), "suggestion": o.get("suggestion", False)})
    try:
        settings = check_settings(kind_settings(values, [o["text"] for o in options] or []))
    except DomainError as error:
        raise InvalidImport(_l("%(where)s: %(problem)s", where=where, problem=error.message)) from None
    if len(settings.options) != len(options) and options:
        c.fail(_l("%(where)s: “%(field)s” must be a list of at most %(max)d options.",
                  where=where, field="options", max=MAX_OPTIONS))
    return {"settings": values, "options": options, "ranking_source": c.get("ranking_source", False),
            "scale": (values["scale_min"], values["scale_max"])}


def check_question_references(questions: list[dict], suggestion_keys: set) -> dict[str, dict]:
    """Option keys unique in the file, and what options and ranking sources refer to exists.
    Returns each option key with its question's record."""
    question_keys, owners = {q["key"] for q in questions}, {}
    for n, question in enumerate(questions, start=1):
        where = _l("Question %(num)d", num=n)
        check_reference(where, "ranking_source", question["ranking_source"], question_keys, _l("question"))
        for option in question["options"]:
            if option["key"] in owners:
                raise InvalidImport(_l("%(where)s: “%(field)s” “%(value)s” is used twice.",
                                       where=where, field="key", value=option["key"][:40]))
            check_reference(where, "suggestion", option["suggestion"], suggestion_keys, _l("suggestion"))
            owners[option["key"]] = question
    return owners


def check_reference(where, field, value, known, what) -> None:
    if value is not None and (not isinstance(value, str) or value not in known):
        raise InvalidImport(_l("%(where)s: “%(field)s” refers to %(what)s “%(value)s”, which is not in the file.",
                               where=where, field=field, what=what, value=str(value)[:40]))


def read_answers(data, questions: list[dict], owners: dict[str, dict]) -> list[dict]:
    items = data.get("answers", [])
    if not isinstance(items, list) or len(items) > MAX_ANSWERS:
        raise InvalidImport(_l("“%(field)s” must be a list.", field="answers"))
    by_key, seen, out = {q["key"]: q for q in questions}, set(), []
    for n, record in enumerate(items, start=1):
        where = _l("Answer %(num)d", num=n)
        c = Checker(record, where, ANSWER_RECORD)
        key = c.get("question")
        question = by_key.get(key) if isinstance(key, str) else None
        if question is None:
            check_reference(where, "question", c.get("question"), set(by_key), _l("question"))
        person = c.text("participant", 40, required=True, empty_ok=False)
        if (question["key"], person) in seen:
            c.fail(_l("%(where)s: “%(field)s” “%(value)s” is used twice.", where=where, field="participant",
                      value=person))
        seen.add((question["key"], person))
        values = c.get("items")
        if not isinstance(values, dict) or not check_items(question, owners, values):
            c.fail(_l("%(where)s: “%(field)s” does not fit the question's options.", where=where, field="items"))
        out.append({"question": question["key"], "participant": person, "items": values,
                    "other_text": c.text("other_text", OTHER_MAX_LENGTH),
                    "other_status": c.choice("other_status", [s.value for s in SuggestionStatus], "visible")})
    return out


def check_items(question: dict, owners: dict, values: dict) -> bool:
    """Whether an answer's items fit its question: its own options, ticks of 1, ratings on its
    scale, or every option ranked once."""
    if any(owners.get(key) is not question for key in values) or \
            any(isinstance(v, bool) or not isinstance(v, int) for v in values.values()):
        return False
    kind, numbers = question["settings"]["kind"], list(values.values())
    if kind == "choice":
        return all(v == 1 for v in numbers)
    if kind == "scale":
        low, high = question["scale"]
        return all(low <= v <= high for v in numbers)
    if kind == "ranking":
        return sorted(numbers) == list(range(1, len(question["options"]) + 1))
    return not values


# -- writing ------------------------------------------------------------------------------------

def add_question_kinds(plan_questions: list[dict], questions: dict) -> dict:
    """Give the imported questions their kinds and options (before any suggestion is added, so
    no kind is refused for having answers); returns the options by file key."""
    options = {}
    for record in plan_questions:
        question = questions[record["key"]]
        source = questions.get(record["ranking_source"])
        set_question_kind(question, kind_settings(record["settings"], [o["text"] for o in record["options"]],
                                                  source.id if source else None))
        options.update(zip((item["key"] for item in record["options"]), question.options, strict=False))
    return options


def link_options(plan_questions: list[dict], options: dict, suggestions: dict) -> None:
    """A ranking's options point at the suggestions they were taken from, as before the export."""
    for record in plan_questions:
        for item in record["options"]:
            if item["suggestion"] is not None:
                options[item["key"]].suggestion_id = suggestions[item["suggestion"]].id


def add_answers(workshop: Workshop, items: list[dict], questions: dict, options: dict) -> None:
    """The answers, each person a stand-in participant (who answered is not exported)."""
    people: dict[str, Participant] = {}
    for item in items:
        if item["participant"] not in people:
            people[item["participant"]] = Participant(workshop_id=workshop.id, display_name="",
                                                      token=secrets.token_urlsafe(24))
    db.session.add_all(people.values())
    db.session.flush()
    for item in items:
        answer = Answer(workshop_id=workshop.id, question_id=questions[item["question"]].id,
                        participant_id=people[item["participant"]].id, other_text=item["other_text"],
                        other_status=item["other_status"])
        answer.items = [AnswerItem(option_id=options[key].id, value=value) for key, value in item["items"].items()]
        db.session.add(answer)
    db.session.flush()
