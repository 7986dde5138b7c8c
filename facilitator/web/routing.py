"""Whole numbers from addresses and forms, kept within what the database can store.

A number too large for an INTEGER column makes the database driver raise (SQLite:
OverflowError; PostgreSQL: "integer out of range") when it is compared with an id, so
``/j/CODE/q/`` followed by forty digits would answer 500. The ``int`` converter of every
route, and ``request.form.get(..., type=int)`` / ``request.args.get(..., type=int)`` of
every view, refuse such numbers here, once: the route answers 404 and the form value
counts as missing, as for any other text that is not a number.
"""
from __future__ import annotations

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

# PostgreSQL's INTEGER, the narrowest id column we use (SQLite's holds 64 bits).
DATABASE_INT_MAX = 2**31 - 1


def database_int(value) -> int:
    """``int(value)`` for a number the database can compare; ValueError for any other."""
    number = int(value)
    if not -DATABASE_INT_MAX <= number <= DATABASE_INT_MAX:
        raise ValueError(f"{number} is out of the database's range")
    return number


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` in every route: a number past the database's range matches no route (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=DATABASE_INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class DatabaseIntParameters(ImmutableMultiDict):
    """Form fields and query parameters whose ``type=int`` reads only numbers the database holds."""

    def get(self, key, default=None, type=None):
        return super().get(key, default, database_int if type is int else type)

    def getlist(self, key, type=None):
        return super().getlist(key, database_int if type is int else type)


class BoundedRequest(Request):
    parameter_storage_class = DatabaseIntParameters


def init_app(app: Flask) -> None:
    """Before any blueprint adds its routes: a rule looks its converters up when it is added."""
    app.url_map.converters["int"] = DatabaseIntConverter
    app.request_class = BoundedRequest
