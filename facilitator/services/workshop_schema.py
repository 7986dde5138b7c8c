"""One description of a workshop's own fields, for everything that copies a workshop.

The JSON export writes these fields, the import reads them back as strictly as the console's
forms accept them (the same bounds and choices, taken from where the forms take them), and
"plan the next meeting" carries the settings over. A field added here reaches all three;
before, each kept its own list, and a setting missing from one (``results_private``) was
silently lost by it.

Why a declared table and not pydantic: what an import needs beyond types is a translated
message that names the place in the file and the field (``Checker``); pydantic's messages are
English, so every one of them would be mapped back to ours, for some twenty plain fields.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

from flask import current_app
from flask_babel import lazy_gettext as _l

from facilitator.services.import_checks import Checker
from facilitator.services.question_kinds import KINDS, LABEL_MAX_LENGTH, MAX_OPTIONS, KindSettings
from facilitator.services.retention import MAX_RETENTION_DAYS
from facilitator.services.voting import MAX_BUDGET
from facilitator.services.workshops import WorkshopDetails
from facilitator.models import WorkshopStatus

PROJECTOR_VIEWS = ("list", "cloud", "tally", "ranking", "photos")
PROJECTOR_GROUPS = ("none", "table", "round", "theme")
MODERATION_MODES = ("post", "pre")
TABLE_MODES = ("same", "rotate")
TITLE_MAX_LENGTH = 200
PLACE_MAX_LENGTH = 200
THEME_MAX_LENGTH = 200
PROGRAM_MAX_LENGTH = 20_000

DETAILS = "details"   # what the workshop form fills in (WorkshopDetails)
SETTING = "setting"   # what the facilitator chose and would choose again for the next meeting
STATE = "state"       # where this meeting stands: copied by an import, not by the next meeting


@dataclass(frozen=True)
class WorkshopField:
    """One column of ``Workshop`` as a file carries it, and what a file may say for it."""
    name: str
    kind: str  # text, choice, integer, boolean, date or time
    part: str
    default: object = None
    max_length: int = 0
    required: bool = False
    multiline: bool = False
    choices: tuple | Callable[[], tuple] = ()
    low: int = 0
    high: int = 0
    nullable: bool = False
    imported: bool = True

    def allowed(self) -> tuple:
        return self.choices() if callable(self.choices) else self.choices


def languages() -> tuple:
    return tuple(current_app.config["LANGUAGES"])


WORKSHOP_FIELDS = (
    WorkshopField("title", "text", DETAILS, max_length=TITLE_MAX_LENGTH, required=True),
    WorkshopField("date", "date", DETAILS),
    WorkshopField("start_time", "time", DETAILS),
    WorkshopField("end_time", "time", DETAILS),
    WorkshopField("place", "text", DETAILS, max_length=PLACE_MAX_LENGTH),
    WorkshopField("theme", "text", DETAILS, max_length=THEME_MAX_LENGTH),
    WorkshopField("language", "choice", DETAILS, choices=languages),
    WorkshopField("program", "text", DETAILS, max_length=PROGRAM_MAX_LENGTH, multiline=True),
    # An imported workshop is always a new draft: its status is read to check it, not kept.
    WorkshopField("status", "choice", STATE, default="draft",
                  choices=tuple(status.value for status in WorkshopStatus), imported=False),
    WorkshopField("moderation", "choice", SETTING, default="post", choices=MODERATION_MODES),
    WorkshopField("table_mode", "choice", SETTING, default="same", choices=TABLE_MODES),
    WorkshopField("projector_view", "choice", SETTING, default="list", choices=PROJECTOR_VIEWS),
    WorkshopField("projector_group", "choice", SETTING, default="none", choices=PROJECTOR_GROUPS),
    WorkshopField("vote_budget", "integer", SETTING, default=5, low=1, high=MAX_BUDGET),
    # At most the budget too: checked in read_workshop_fields, once both are read.
    WorkshopField("vote_max_per_item", "integer", SETTING, default=3, low=1, high=MAX_BUDGET),
    WorkshopField("joining_open", "boolean", STATE, default=True),
    WorkshopField("results_hidden", "boolean", STATE, default=False),
    WorkshopField("results_published", "boolean", STATE, default=False),
    WorkshopField("results_private", "boolean", SETTING, default=False),
    WorkshopField("photos_from_everyone", "boolean", SETTING, default=False),
    WorkshopField("retention_days", "integer", SETTING, low=1, high=MAX_RETENTION_DAYS, nullable=True),
)
FIELD_NAMES = frozenset(field.name for field in WORKSHOP_FIELDS)
CARRIED_SETTINGS = tuple(field.name for field in WORKSHOP_FIELDS if field.part == SETTING)


# A question's kind and its settings (question_kinds checks how they fit together); its text,
# options and answers are records of their own in the file.
QUESTION_FIELDS = (
    WorkshopField("kind", "choice", SETTING, default="text", choices=KINDS),
    WorkshopField("multiple", "boolean", SETTING, default=False),
    WorkshopField("max_choices", "integer", SETTING, low=1, high=MAX_OPTIONS + 1, nullable=True),
    WorkshopField("allow_other", "boolean", SETTING, default=False),
    WorkshopField("scale_min", "integer", SETTING, default=1, low=0, high=1),
    WorkshopField("scale_max", "integer", SETTING, default=5, low=5, high=10),
    WorkshopField("low_label", "text", SETTING, max_length=LABEL_MAX_LENGTH),
    WorkshopField("high_label", "text", SETTING, max_length=LABEL_MAX_LENGTH),
    WorkshopField("premoderated", "boolean", SETTING, default=False),
)
QUESTION_FIELD_NAMES = frozenset(field.name for field in QUESTION_FIELDS)


def export_workshop_fields(workshop, fields=WORKSHOP_FIELDS) -> dict:
    """The workshop's (or with QUESTION_FIELDS, a question's) fields as JSON values (dates and
    times in ISO 8601)."""
    values = {}
    for field in fields:
        value = getattr(workshop, field.name)
        values[field.name] = value.isoformat() if isinstance(value, date | time) else value
    return values


def read_question_fields(checker: Checker) -> dict:
    """A question record's kind and settings, each checked as the console's form checks it."""
    return {field.name: read_field(checker, field) for field in QUESTION_FIELDS}


def kind_settings(values: dict, options: list[str], ranking_source_id: int | None = None) -> KindSettings:
    """What ``set_question_kind`` takes, from the fields read (or copied) and the option texts."""
    return KindSettings(options=options, ranking_source_id=ranking_source_id,
                        **{field.name: values[field.name] for field in QUESTION_FIELDS})


def read_field(checker: Checker, field: WorkshopField):
    """One field of the file's workshop record, checked as the form checks it."""
    if field.kind == "text":
        return checker.text(field.name, field.max_length, required=field.required,
                            multiline=field.multiline, empty_ok=not field.required)
    if field.kind == "choice":
        return checker.choice(field.name, list(field.allowed()), default=field.default)
    if field.kind == "integer":
        value = checker.integer(field.name, field.low, field.high, required=False, nullable=field.nullable)
        return field.default if value is None and not field.nullable else value
    if field.kind == "boolean":
        return checker.boolean(field.name, field.default)
    return checker.when(field.name, date if field.kind == "date" else time)


def read_workshop_fields(checker: Checker) -> dict:
    """Every field of the file's workshop record, or InvalidImport naming the first wrong one."""
    values = {field.name: read_field(checker, field) for field in WORKSHOP_FIELDS}
    if values["vote_max_per_item"] > values["vote_budget"]:
        checker.fail(_l("%(where)s: “%(field)s” must be a whole number from %(min)d to %(max)d.",
                        where=checker.where, field="vote_max_per_item", min=1, max=values["vote_budget"]))
    return values


def details_of(values: dict) -> WorkshopDetails:
    return WorkshopDetails(**{field.name: values[field.name] for field in WORKSHOP_FIELDS
                              if field.part == DETAILS})


def imported_settings(values: dict) -> dict:
    """What an import sets on the new workshop besides its details."""
    return {field.name: values[field.name] for field in WORKSHOP_FIELDS
            if field.part != DETAILS and field.imported}


__all__ = ["CARRIED_SETTINGS", "FIELD_NAMES", "PROJECTOR_GROUPS", "PROJECTOR_VIEWS", "QUESTION_FIELDS",
           "QUESTION_FIELD_NAMES", "WORKSHOP_FIELDS", "details_of", "export_workshop_fields", "imported_settings",
           "kind_settings", "read_question_fields", "read_workshop_fields"]
