"""SQLite databases for the tests, cloned from one migrated at the start of the session.

Running every migration for each test cost 0.3-0.8 s on a busy 2-core machine, about two thousand
times a session; a copy of the migrated file costs a few milliseconds. The migrations still run from
empty once a session on a SQLite file (here) and on PostgreSQL (the app fixture), and
tests/test_migrations.py upgrades a database with rows in it.
"""
from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from flask_migrate import upgrade

from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db


def migrate_sqlite_template(path: Path) -> Path:
    """A SQLite file at ``path`` migrated to the newest revision, with every connection closed."""
    app = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()
    # Closing the last connection folds the write-ahead log into the file; a copy of the file
    # alone would otherwise miss the newest pages.
    assert not path.with_name(path.name + "-wal").exists(), "the template's WAL is still open"
    return path


def copy_sqlite_file(template: Path, path: Path) -> None:
    shutil.copyfile(template, path)


def load_into_memory(template: Path) -> None:
    """Fill the current app's in-memory database (Flask-SQLAlchemy keeps one connection for it)
    with the template's tables and rows, through SQLite's backup API."""
    target = db.engine.raw_connection()
    try:
        with closing(sqlite3.connect(template)) as source:
            source.backup(target.driver_connection)
    finally:
        target.close()


# For a test whose subject is the same on every database (a file format, a rendered page, a pure
# function, HTTP headers): it runs on in-memory SQLite only, not three times. Tests of queries,
# transactions, concurrency and migrations keep the app fixture's three databases.
one_database = pytest.mark.parametrize("app", ["memory"], indirect=True)
