"""Reading a record of an imported file field by field, with translated messages that say where.

Every message names the place in the file and the field, and what the field must be, so a
person can mend the file (or see that it was not made by facilitator) without reading code.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask_babel import lazy_gettext as _l

from facilitator.services import DomainError
from facilitator.services.text import clean_text


class InvalidImport(DomainError):
    """The file is not a workshop this server can import; ``message`` says why, translated."""


class Checker:
    """Reads one record of the file, field by field, with messages that name the place."""

    def __init__(self, record, where, allowed: set[str]):
        self.where = where
        if not isinstance(record, dict):
            self.fail(_l("%(where)s must be an object with named fields.", where=where))
        unknown = sorted(set(record) - allowed)
        if unknown:
            self.fail(_l("%(where)s: unknown field “%(field)s”. Was the file made by another program?",
                         where=where, field=unknown[0]))
        self.record = record

    def fail(self, message):
        raise InvalidImport(message)

    def get(self, name, required=True):
        if name not in self.record:
            if required:
                self.fail(_l("%(where)s: “%(field)s” is missing.", where=self.where, field=name))
            return None
        return self.record[name]

    def text(self, name, max_length, required=False, multiline=False, empty_ok=True) -> str:
        value = self.get(name, required)
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.fail(_l("%(where)s: “%(field)s” must be text.", where=self.where, field=name))
        try:
            cleaned = clean_text(value, max_length=max_length, multiline=multiline, required=not empty_ok)
        except DomainError:
            if empty_ok:
                self.fail(_l("%(where)s: “%(field)s” must be text of at most %(max)d characters.",
                             where=self.where, field=name, max=max_length))
            self.fail(_l("%(where)s: “%(field)s” must be text of 1 to %(max)d characters.",
                         where=self.where, field=name, max=max_length))
        return cleaned

    def integer(self, name, low, high, required=True, nullable=False) -> int | None:
        value = self.get(name, required)
        if value is None and (nullable or not required):
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(_l("%(where)s: “%(field)s” must be a whole number from %(min)d to %(max)d.",
                         where=self.where, field=name, min=low, max=high))
        return value

    def boolean(self, name, default=False) -> bool:
        value = self.get(name, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(_l("%(where)s: “%(field)s” must be true or false.", where=self.where, field=name))
        return value

    def choice(self, name, choices, default=None) -> str:
        value = self.get(name, required=default is None)
        if value is None:
            return default
        if value not in choices:
            self.fail(_l("%(where)s: “%(field)s” must be one of: %(choices)s.", where=self.where,
                         field=name, choices=", ".join(choices)))
        return value

    def when(self, name, kind):
        """A date, time or timestamp in ISO 8601; timestamps must say their offset."""
        value = self.get(name, required=False)
        if value is None:
            return None
        examples = {date: "2010-04-13", time: "16:00", datetime: "2010-04-13T14:00:00+00:00"}
        try:
            if not isinstance(value, str) or len(value) > 40:
                raise ValueError
            parsed = kind.fromisoformat(value)
            if kind is datetime:
                if parsed.tzinfo is None:
                    raise ValueError
                parsed = parsed.astimezone(timezone.utc)
        except ValueError:
            self.fail(_l("%(where)s: “%(field)s” must be written like %(example)s.",
                         where=self.where, field=name, example=examples[kind]))
        return parsed

    def reference(self, name, known, what) -> object | None:
        value = self.get(name, required=False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value not in known:
            self.fail(_l("%(where)s: “%(field)s” refers to %(what)s “%(value)s”, which is not in the file.",
                         where=self.where, field=name, what=what, value=str(value)[:40]))
        return value


__all__ = ["Checker", "InvalidImport"]
