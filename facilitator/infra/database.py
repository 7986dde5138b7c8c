"""Database wiring: SQLite for one process, PostgreSQL when the app grows past it.

SQLite: one long-lived connection per process, in WAL mode. Connecting per
request measured 4-6x slower, and under gevent a single connection also
serialises writers instead of letting them spin on SQLite's busy lock while
holding the only thread.

PostgreSQL (psycopg 3): a small pool per process, sized against the server's
connection limit, and a driver that yields to other greenlets while it waits
for the server (see ``make_psycopg_cooperative``).
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import PurePath

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from facilitator.infra.extensions import db

log = logging.getLogger(__name__)

# A request keeps its connection from its first query until the app context ends
# (Flask-SQLAlchemy's scoped session), render and broadcast included. The pool holds
# a connection for every place of the overload gate (overload.py: 24 phones' writes
# in flight on PostgreSQL), so an admitted send never waits for a connection nor
# opens one: beyond pool_size, SQLAlchemy opens overflow connections and closes them
# again when they come back to a full pool, and opening one took 36-360 ms under a
# burst on a busy machine (issue #17). The overflow is for what the gate does not
# hold back (page loads, sockets connecting, the console). PostgreSQL's default
# max_connections is 100 with 3 reserved for superusers: 3 processes x (24 + 6) = 90
# leaves room for migrations and psql. More processes: lower these (and
# OVERLOAD_MAX_IN_FLIGHT with them) or raise max_connections, or put PgBouncer
# (session mode) in front. PG_POOL_SIZE and PG_MAX_OVERFLOW in the environment
# override them.
PG_POOL_SIZE = 24
PG_MAX_OVERFLOW = 6
# Longer than any burst we measured (2,000 phones joining at once), short
# enough that a wedged database shows up as errors, not as a silent hang.
PG_POOL_TIMEOUT = 30
PG_POOL_RECYCLE = 1800
PG_CONNECT_ARGS = {
    "connect_timeout": 5,
    "application_name": "facilitator",
    # A venue's network or a failover can cut a connection without a FIN; TCP
    # keepalives let the pool notice before a phone's request does.
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


class DatabaseUnavailable(RuntimeError):
    """DATABASE_URL names a database the server cannot use: it refuses to start, saying why,
    rather than answer every request with "Busy for a moment"."""


def init_app(app: Flask) -> None:
    uri = normalise_url(app.config["SQLALCHEMY_DATABASE_URI"])
    check_database_url(uri)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite") and uri not in ("sqlite://", "sqlite:///:memory:"):
        options.setdefault("pool_size", 1)
        options.setdefault("max_overflow", 0)
        options.setdefault("pool_timeout", 30)
    elif uri.startswith("postgresql"):
        make_psycopg_cooperative()
        options.setdefault("pool_size", int(os.environ.get("PG_POOL_SIZE", PG_POOL_SIZE)))
        options.setdefault("max_overflow", int(os.environ.get("PG_MAX_OVERFLOW", PG_MAX_OVERFLOW)))
        options.setdefault("pool_timeout", PG_POOL_TIMEOUT)
        # No pre-ping: it cost three round trips per checkout (two autocommit toggles and a
        # SELECT 1), about 0.3 ms of CPU per request under gevent (issue #17), to protect
        # only the first request after PostgreSQL dropped a connection (restart, failover,
        # idle kill). That request now gets the OperationalError the app answers with 503
        # and Retry-After (web/errors.py), which the phone's outbox retries, free of its
        # send budget; SQLAlchemy sees the disconnect and replaces every connection older
        # than it, so one request per process pays, not one per pooled connection
        # (tests/test_reconnect.py). Recycling after 30 minutes keeps connections from
        # outliving a firewall's or PgBouncer's idle timeout.
        options.setdefault("pool_pre_ping", False)
        options.setdefault("pool_recycle", PG_POOL_RECYCLE)
        options.setdefault("connect_args", dict(PG_CONNECT_ARGS))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    check_database_opens(app)


def check_database_url(uri: str) -> None:
    """A SQLite file named by a relative path is refused: Flask-SQLAlchemy puts it under the
    instance folder, other tools (a backup script, sqlite3 on the command line) under the
    directory they start in, so two of them would use two different files."""
    try:
        url = make_url(uri)
    except ArgumentError:
        raise DatabaseUnavailable(f"DATABASE_URL is not a database address: {uri[:40]!r}. Write it like "
                                  "sqlite:////srv/facilitator/facilitator.sqlite3 or "
                                  "postgresql://user@host/db") from None
    path = url.database or ""
    if url.get_backend_name() == "sqlite" and path not in ("", ":memory:") \
            and not path.startswith("file:") and not PurePath(path).is_absolute():
        raise DatabaseUnavailable(
            f"DATABASE_URL names the SQLite file {path!r} by a relative path, which depends on the "
            f"directory a program starts in. Give its absolute path, with four slashes: sqlite:////srv/"
            f"facilitator/{PurePath(path).name}")


def check_database_opens(app: Flask) -> None:
    """Open one connection now, so a database that cannot be reached or opened stops the start."""
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except SQLAlchemyError as error:
            where = db.engine.url.render_as_string(hide_password=True)
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            raise DatabaseUnavailable(f"The database at {where} cannot be opened: {reason}") from error


def normalise_url(uri: str) -> str:
    """Route postgres:// and postgresql:// URLs to psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix):]
    return uri


def make_psycopg_cooperative() -> None:
    """Make sure psycopg waits for PostgreSQL through gevent, not in C.

    psycopg (3.1.14 and later) notices gevent's monkey-patching when it is
    imported and then waits on the socket with the patched ``select.poll``,
    which lets other greenlets run during a query. Its default, ``wait_c``,
    calls poll() in C: one slow query would freeze every phone's socket in the
    process. The choice is made once, at import: if psycopg was imported
    before ``monkey.patch_all()`` (a gunicorn config or a tool importing it
    early), it kept ``wait_c``; switch it here.
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("select"):
        return
    from psycopg import waiting
    if getattr(waiting, "wait_c", None) is not None and waiting.wait is waiting.wait_c:
        log.warning("psycopg was imported before gevent patched select; using wait_poll")
        waiting.wait = waiting.wait_poll


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record) -> None:
    """WAL lets readers (projectors) run while a phone's suggestion is written;
    the busy timeout turns a brief lock into a wait instead of an error."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Short: a writer waiting here sleeps inside SQLite and holds the whole gevent worker.
    cursor.execute("PRAGMA busy_timeout=2000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # Let SQLAlchemy, not the driver, decide where transactions begin, so that
    # savepoints (used for race-free idempotent inserts) nest correctly.
    dbapi_connection.isolation_level = None


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection) -> None:
    """Requests that write take the write lock first (BEGIN IMMEDIATE): SQLite waits out a
    brief lock held elsewhere only then; a read that later turns into a write gets
    SQLITE_BUSY at once, without its busy timeout."""
    if connection.dialect.name != "sqlite":
        return
    writes = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
