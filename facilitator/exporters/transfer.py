"""A whole workshop as JSON, and back: to move it between servers or start the next one from it.

The file names things by keys of its own ("q1", "s12", table and round numbers),
never by database ids: ids mean nothing on another server and must not be
trusted. Import checks the whole file before it writes anything, and answers a
bad file with a translated message that says where and what is wrong.
"""
from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from facilitator.services import DomainError
from facilitator.services.minutes import MINUTES_TEXT_MAX_LENGTH, MinutesOptions, current_edit
from facilitator.services.participants import count_participants
from facilitator.services.questions import QUESTION_MAX_LENGTH
from facilitator.services.import_checks import Checker, InvalidImport
from facilitator.services.workshop_schema import (
    FIELD_NAMES, details_of, export_workshop_fields, imported_settings, read_workshop_fields,
)
from facilitator.exporters.transfer_photos import add_photos, export_photos, read_photos
from facilitator.exporters.transfer_questions import (
    QUESTION_RECORD, add_answers, add_question_kinds, check_question_references, export_answers,
    export_question_kind, link_options, option_keys_of, read_answers, read_question_kind,
)
from facilitator.services.workshops import check_times, create_workshop
from facilitator.infra.extensions import db
from facilitator.models import (
    Action, CafeTable, Facilitator, MinutesRevision, Participant, Round, Suggestion,
    SuggestionStatus, Theme, Vote, Workshop, utcnow,
)

FORMAT = "facilitator-workshop"
# 2: actions say whether they were carried over from the previous meeting. 3: the workshop says
# whether its results stay private (a server that reads 2 refuses the unknown field, so the
# number changes). 4: questions have kinds (multiple choice, scale, ranking, questions to the
# panel) with their options and answers, and a question to the panel says when it was answered.
# 5: the tables' photos (JPEG in base64) and whether anyone seated may add them.
# Files of versions 1 to 4 (the same, without those) are still read.
VERSION = 5
READABLE_VERSIONS = (1, 2, 3, 4, 5)
# Generous for any real workshop, small enough that a hostile file cannot exhaust the server.
LIMITS = {"questions": 200, "tables": 500, "rounds": 200, "themes": 1000, "suggestions": 50_000,
          "actions": 5_000, "photos": 2_000}
SUGGESTION_TEXT_MAX = 5_000
OPTION_NAMES = list(MinutesOptions.__dataclass_fields__)


# -- export -------------------------------------------------------------------------------------

def export_workshop(workshop: Workshop) -> dict:
    """Everything that makes the workshop and its results, keyed by the file's own names."""
    question_keys = {q.id: f"q{n}" for n, q in enumerate(workshop.questions, start=1)}
    theme_keys = {t.id: f"t{n}" for n, t in enumerate(workshop.themes, start=1)}
    suggestions = db.session.scalars(select(Suggestion).where(Suggestion.workshop_id == workshop.id)
                                     .order_by(Suggestion.id)).all()
    suggestion_keys = {s.id: f"s{n}" for n, s in enumerate(suggestions, start=1)}
    dots = dict(db.session.execute(
        select(Vote.suggestion_id, func.sum(Vote.dots)).join(Suggestion)
        .where(Suggestion.workshop_id == workshop.id).group_by(Vote.suggestion_id)).all())
    tables = {t.id: t.number for t in workshop.tables}
    rounds = {r.id: r.number for r in workshop.rounds}
    option_keys = option_keys_of(workshop)
    edit, _number = current_edit(workshop)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso(utcnow()),
        "workshop": export_workshop_fields(workshop),
        "facilitators": [m.facilitator.name for m in workshop.members],
        "questions": [{"key": question_keys[q.id], "text": q.text, "voting": q.voting_state,
                       **export_question_kind(q, question_keys, option_keys, suggestion_keys)}
                      for q in workshop.questions],
        "tables": [{"number": t.number, "name": t.name, "question": question_keys.get(t.question_id)}
                   for t in workshop.tables],
        "rounds": [{"number": r.number, "duration_seconds": r.duration_seconds,
                    "question": question_keys.get(r.question_id), "started_at": iso(r.started_at),
                    "ends_at": iso(r.ends_at), "ended_at": iso(r.ended_at)} for r in workshop.rounds],
        "themes": [{"key": theme_keys[t.id], "name": t.name, "question": question_keys.get(t.question_id)}
                   for t in workshop.themes],
        "suggestions": [{
            "key": suggestion_keys[s.id], "question": question_keys[s.question_id],
            "table": tables.get(s.table_id), "round": rounds.get(s.round_id),
            "theme": theme_keys.get(s.theme_id), "text": s.text, "original_text": s.original_text,
            "status": s.status, "pinned": s.pinned, "merged_into": suggestion_keys.get(s.merged_into_id),
            "votes": int(dots.get(s.id) or 0), "created_at": iso(s.created_at),
            "answered_at": iso(s.answered_at)} for s in suggestions],
        "answers": export_answers(workshop, question_keys, option_keys),
        "photos": export_photos(workshop, question_keys, tables, rounds),
        "actions": [{"what": a.what, "owner": a.owner, "due_date": iso(a.due_date), "status": a.status,
                     "carried_over": a.carried_over,
                     "suggestion": suggestion_keys.get(a.suggestion_id), "theme": theme_keys.get(a.theme_id)}
                    for a in workshop.actions],
        "minutes": {
            "opening_text": edit.opening_text, "closing_text": edit.closing_text,
            "signature": edit.signature,
            "participant_count": edit.participant_count if edit.participant_count is not None
            else count_participants(workshop),
            "options": {name: getattr(edit.options, name) for name in OPTION_NAMES},
        },
    }


def iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return value.isoformat()


# -- validation ---------------------------------------------------------------------------------

def records(data: dict, name: str, label) -> list:
    value = data.get(name, [])
    if not isinstance(value, list):
        raise InvalidImport(_l("“%(field)s” must be a list.", field=name))
    if len(value) > LIMITS[name]:
        raise InvalidImport(_l("The file has %(count)d %(what)s; at most %(max)d can be imported.",
                               count=len(value), what=label, max=LIMITS[name]))
    return value


def unique(seen: set, value, where, field) -> None:
    if value in seen:
        raise InvalidImport(_l("%(where)s: “%(field)s” “%(value)s” is used twice.",
                               where=where, field=field, value=str(value)[:40]))
    seen.add(value)


def parse_json(raw: bytes | str) -> dict:
    """The uploaded bytes as a JSON object, or a message that says what is wrong with them."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        data = json.loads(text)
    except UnicodeDecodeError:
        raise InvalidImport(_l("The file is not UTF-8 text. Choose the .json file that facilitator "
                               "exported.")) from None
    except (ValueError, RecursionError) as error:
        detail = f"{error.msg}, line {error.lineno}" if isinstance(error, json.JSONDecodeError) else ""
        raise InvalidImport(_l("The file is not valid JSON (%(detail)s). Choose the .json file that "
                               "facilitator exported.", detail=detail or "?")) from None
    return data


def check_header(data) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidImport(_l("This JSON file is not a facilitator workshop export."))
    version = data.get("version")
    if version not in READABLE_VERSIONS:
        raise InvalidImport(_l("This export has version %(version)s; this server reads version %(ours)d. "
                               "Export it again from an up-to-date server.",
                               version=str(version)[:20], ours=VERSION))


TOP_LEVEL = {"format", "version", "exported_at", "workshop", "facilitators", "questions", "tables",
             "rounds", "themes", "suggestions", "answers", "actions", "minutes", "photos"}


def read_file(data) -> dict:
    """The whole file checked and cleaned into plain values, before anything is written."""
    check_header(data)
    Checker(data, _l("The file"), TOP_LEVEL)
    plan = {"workshop": read_workshop(data.get("workshop"))}
    plan["questions"] = read_questions(data)
    question_keys = {q["key"] for q in plan["questions"]}
    plan["tables"] = read_tables(data, question_keys)
    plan["rounds"] = read_rounds(data, question_keys)
    plan["themes"] = read_themes(data, question_keys)
    plan["suggestions"] = read_suggestions(data, plan)
    owners = check_question_references(plan["questions"], {s["key"] for s in plan["suggestions"]})
    plan["answers"] = read_answers(data, plan["questions"], owners)
    plan["actions"] = read_actions(data, plan)
    plan["photos"] = read_photos(records(data, "photos", _l("photos")), plan)
    plan["minutes"] = read_minutes(data.get("minutes"))
    return plan


def read_workshop(record) -> dict:
    """The workshop's own fields, checked against the one declared schema."""
    if record is None:
        raise InvalidImport(_l("The file has no workshop details."))
    values = read_workshop_fields(Checker(record, _l("Workshop details"), FIELD_NAMES))
    try:
        check_times(details_of(values))
    except DomainError as error:
        raise InvalidImport(error.message) from None
    return {"details": details_of(values), "settings": imported_settings(values)}


def read_questions(data) -> list[dict]:
    out, keys = [], set()
    for n, record in enumerate(records(data, "questions", _l("questions")), start=1):
        where = _l("Question %(num)d", num=n)
        c = Checker(record, where, QUESTION_RECORD)
        key = c.text("key", 40, required=True, empty_ok=False)
        unique(keys, key, where, "key")
        out.append({"key": key, "text": c.text("text", QUESTION_MAX_LENGTH, required=True, empty_ok=False),
                    "voting": c.choice("voting", ["none", "open", "closed"], default="none"),
                    **read_question_kind(c, where)})
    if not out:
        raise InvalidImport(_l("The file has no questions; a workshop needs at least one."))
    return out


def read_tables(data, question_keys) -> list[dict]:
    out, numbers = [], set()
    for n, record in enumerate(records(data, "tables", _l("tables")), start=1):
        where = _l("Table %(num)d", num=n)
        c = Checker(record, where, {"number", "name", "question"})
        number = c.integer("number", 1, 10_000)
        unique(numbers, number, where, "number")
        out.append({"number": number, "name": c.text("name", 120),
                    "question": c.reference("question", question_keys, _l("question"))})
    return out


def read_rounds(data, question_keys) -> list[dict]:
    out, numbers = [], set()
    for n, record in enumerate(records(data, "rounds", _l("rounds")), start=1):
        where = _l("Round %(num)d", num=n)
        c = Checker(record, where, {"number", "duration_seconds", "question", "started_at", "ends_at",
                                    "ended_at"})
        number = c.integer("number", 1, 10_000)
        unique(numbers, number, where, "number")
        out.append({"number": number, "duration_seconds": c.integer("duration_seconds", 1, 86_400),
                    "question": c.reference("question", question_keys, _l("question")),
                    "started_at": c.when("started_at", datetime), "ends_at": c.when("ends_at", datetime),
                    "ended_at": c.when("ended_at", datetime)})
    return out


def read_themes(data, question_keys) -> list[dict]:
    out, keys = [], set()
    for n, record in enumerate(records(data, "themes", _l("themes")), start=1):
        where = _l("Theme %(num)d", num=n)
        c = Checker(record, where, {"key", "name", "question"})
        key = c.text("key", 40, required=True, empty_ok=False)
        unique(keys, key, where, "key")
        out.append({"key": key, "name": c.text("name", 200, required=True, empty_ok=False),
                    "question": c.reference("question", question_keys, _l("question"))})
    return out


SUGGESTION_FIELDS = {"key", "question", "table", "round", "theme", "text", "original_text", "status",
                     "pinned", "merged_into", "votes", "created_at", "answered_at"}


def read_suggestions(data, plan) -> list[dict]:
    # Only open text and questions to the panel collect suggestions.
    question_keys = {q["key"] for q in plan["questions"] if q["settings"]["kind"] in ("text", "qanda")}
    tables = {t["number"] for t in plan["tables"]}
    rounds = {r["number"] for r in plan["rounds"]}
    themes = {t["key"] for t in plan["themes"]}
    items = records(data, "suggestions", _l("suggestions"))
    keys: set = set()
    for n, record in enumerate(items, start=1):
        if isinstance(record, dict) and isinstance(record.get("key"), str):
            unique(keys, record["key"], _l("Suggestion %(num)d", num=n), "key")
    out = []
    for n, record in enumerate(items, start=1):
        where = _l("Suggestion %(num)d", num=n)
        c = Checker(record, where, SUGGESTION_FIELDS)
        text = c.text("text", SUGGESTION_TEXT_MAX, required=True, empty_ok=False)
        item = {
            "key": c.text("key", 40, required=True, empty_ok=False),
            "question": c.reference("question", question_keys, _l("question")),
            "table": c.reference("table", tables, _l("table")),
            "round": c.reference("round", rounds, _l("round")),
            "theme": c.reference("theme", themes, _l("theme")),
            "text": text, "original_text": c.text("original_text", SUGGESTION_TEXT_MAX) or text,
            "status": c.choice("status", [s.value for s in SuggestionStatus], default="visible"),
            "pinned": c.boolean("pinned"),
            "merged_into": c.reference("merged_into", keys, _l("suggestion")),
            "votes": c.integer("votes", 0, 1_000_000, required=False) or 0,
            "created_at": c.when("created_at", datetime), "answered_at": c.when("answered_at", datetime)}
        if item["question"] is None:
            c.fail(_l("%(where)s: “%(field)s” is missing.", where=where, field="question"))
        out.append(item)
    merged = {item["key"] for item in out if item["merged_into"]}
    for n, item in enumerate(out, start=1):
        if item["merged_into"] in merged:
            raise InvalidImport(_l("Suggestion %(num)d is merged into a suggestion that is itself merged "
                                   "into another.", num=n))
    return out


def read_actions(data, plan) -> list[dict]:
    suggestions = {s["key"] for s in plan["suggestions"]}
    themes = {t["key"] for t in plan["themes"]}
    out = []
    for n, record in enumerate(records(data, "actions", _l("actions")), start=1):
        where = _l("Action %(num)d", num=n)
        c = Checker(record, where, {"what", "owner", "due_date", "status", "suggestion", "theme",
                                    "carried_over"})
        status = c.text("status", 16) or "open"
        if not status.replace("_", "").isalpha():
            c.fail(_l("%(where)s: “%(field)s” must be a single word.", where=where, field="status"))
        out.append({"what": c.text("what", 5_000, required=True, empty_ok=False, multiline=True),
                    "owner": c.text("owner", 200), "due_date": c.when("due_date", date), "status": status,
                    "suggestion": c.reference("suggestion", suggestions, _l("suggestion")),
                    "theme": c.reference("theme", themes, _l("theme")),
                    "carried_over": c.boolean("carried_over")})
    return out


def read_minutes(record) -> dict | None:
    if record is None:
        return None
    c = Checker(record, _l("Minutes"), {"opening_text", "closing_text", "signature", "participant_count",
                                        "options"})
    options = c.get("options", required=False) or {}
    o = Checker(options, _l("Minutes options"), set(OPTION_NAMES))
    return {"opening_text": c.text("opening_text", MINUTES_TEXT_MAX_LENGTH, multiline=True),
            "closing_text": c.text("closing_text", MINUTES_TEXT_MAX_LENGTH, multiline=True),
            "signature": c.text("signature", MINUTES_TEXT_MAX_LENGTH, multiline=True),
            "participant_count": c.integer("participant_count", 0, 1_000_000, required=False, nullable=True),
            "options": MinutesOptions(**{name: o.boolean(name, getattr(MinutesOptions(), name))
                                         for name in OPTION_NAMES})}


# -- import -------------------------------------------------------------------------------------

def import_workshop(data, owner: Facilitator) -> Workshop:
    """A new draft workshop, owned by ``owner`` with a fresh join code, from an export.

    ``data`` is the parsed JSON (see ``parse_json``). Nothing is written unless the
    whole file is valid; the caller commits.
    """
    plan = read_file(data)
    workshop = create_workshop(owner, plan["workshop"]["details"], [q["text"] for q in plan["questions"]])
    for name, value in plan["workshop"]["settings"].items():
        setattr(workshop, name, value)
    questions = dict(zip((q["key"] for q in plan["questions"]), workshop.questions, strict=True))
    for record, question in zip(plan["questions"], workshop.questions, strict=True):
        # Nothing runs in a draft: voting that was open is imported as finished.
        question.voting_closed_at = utcnow() if record["voting"] != "none" else None
    tables = {t["number"]: CafeTable(workshop=workshop, number=t["number"], name=t["name"],
                                     question_id=key_id(questions, t["question"])) for t in plan["tables"]}
    rounds = {r["number"]: Round(workshop=workshop, number=r["number"], duration_seconds=r["duration_seconds"],
                                 question_id=key_id(questions, r["question"]), started_at=r["started_at"],
                                 ends_at=r["ends_at"], ended_at=r["ended_at"]) for r in plan["rounds"]}
    themes = {t["key"]: Theme(workshop_id=workshop.id, question_id=key_id(questions, t["question"]),
                              name=t["name"], position=n) for n, t in enumerate(plan["themes"], start=1)}
    db.session.add_all([*tables.values(), *rounds.values(), *themes.values()])
    options = add_question_kinds(plan["questions"], questions)
    db.session.flush()
    suggestions = add_suggestions(workshop, plan["suggestions"], questions, tables, rounds, themes)
    link_options(plan["questions"], options, suggestions)
    add_answers(workshop, plan["answers"], questions, options)
    add_actions(workshop, plan["actions"], suggestions, themes)
    add_photos(workshop, plan["photos"], {"question": questions, "table": tables, "round": rounds})
    if plan["minutes"]:
        minutes = plan["minutes"]
        db.session.add(MinutesRevision(
            workshop_id=workshop.id, number=1, author_id=owner.id, opening_text=minutes["opening_text"],
            closing_text=minutes["closing_text"], signature=minutes["signature"],
            participant_count=minutes["participant_count"], options=minutes["options"].to_json()))
    db.session.flush()
    return workshop


def key_id(objects: dict, key) -> int | None:
    return objects[key].id if key is not None else None


def add_suggestions(workshop, items, questions, tables, rounds, themes) -> dict[str, Suggestion]:
    created: dict[str, Suggestion] = {}
    for seq, item in enumerate(items, start=1):
        created[item["key"]] = Suggestion(
            workshop_id=workshop.id, question_id=questions[item["question"]].id,
            table_id=key_id(tables, item["table"]), round_id=key_id(rounds, item["round"]),
            theme_id=key_id(themes, item["theme"]), text=item["text"], original_text=item["original_text"],
            status=item["status"], pinned=item["pinned"], seq=seq,
            created_at=item["created_at"] or utcnow(), answered_at=item["answered_at"])
    db.session.add_all(created.values())
    workshop.event_seq = len(items)
    db.session.flush()
    for item in items:
        if item["merged_into"]:
            created[item["key"]].merged_into_id = created[item["merged_into"]].id
    add_votes(workshop, items, created)
    return created


def add_votes(workshop, items, created) -> None:
    """The dots each suggestion had, held by one stand-in participant: who voted is not exported."""
    voted = [item for item in items if item["votes"]]
    if not voted:
        return
    holder = Participant(workshop_id=workshop.id, display_name="", token=secrets.token_urlsafe(24))
    db.session.add(holder)
    db.session.flush()
    db.session.add_all([Vote(suggestion_id=created[item["key"]].id, participant_id=holder.id,
                             dots=item["votes"]) for item in voted])


def add_actions(workshop, items, suggestions, themes) -> None:
    db.session.add_all([Action(
        workshop_id=workshop.id, suggestion_id=key_id(suggestions, a["suggestion"]),
        theme_id=key_id(themes, a["theme"]), what=a["what"], owner=a["owner"], due_date=a["due_date"],
        status=a["status"], carried_over=a["carried_over"]) for a in items])


def import_json(raw: bytes | str, owner: Facilitator) -> Workshop:
    """Parse and import an uploaded export; raises InvalidImport with a message for the user."""
    return import_workshop(parse_json(raw), owner)


__all__ = ["FORMAT", "VERSION", "InvalidImport", "export_workshop", "import_json", "import_workshop",
           "parse_json"]
