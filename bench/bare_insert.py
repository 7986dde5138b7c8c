"""The bare insert endpoint: Flask, one INSERT per POST, a long-lived connection, nothing else.

The yardstick for the app's own suggestion endpoint (which adds the session
cookie, CSRF, the idempotency check, the event number, rendering and the
broadcast). ``BARE_DATABASE`` names a SQLite file (WAL, synchronous=NORMAL,
as the app uses it) or a postgresql:// URL.

    BARE_DATABASE=/tmp/bare.sqlite3 gunicorn --worker-class gevent --workers 1 bench.bare_insert:app
"""
import os
import sqlite3

from flask import Flask, request

DATABASE = os.environ.get("BARE_DATABASE", "bare.sqlite3")
SCHEMA = "CREATE TABLE IF NOT EXISTS bare_suggestions (id {pk}, text TEXT NOT NULL, created_at {ts})"

app = Flask(__name__)


def open_sqlite(path: str):
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=5000")
    connection.execute(SCHEMA.format(pk="INTEGER PRIMARY KEY", ts="TEXT DEFAULT CURRENT_TIMESTAMP"))
    return connection, "INSERT INTO bare_suggestions (text) VALUES (?)"


def open_postgres(url: str):
    import psycopg
    connection = psycopg.connect(url, autocommit=True)
    connection.execute(SCHEMA.format(pk="SERIAL PRIMARY KEY", ts="TIMESTAMPTZ DEFAULT now()"))
    return connection, "INSERT INTO bare_suggestions (text) VALUES (%s)"


CONNECTION, INSERT = (open_postgres if DATABASE.startswith("postgresql") else open_sqlite)(DATABASE)


@app.get("/")
def index():
    return "bare insert"


@app.post("/insert")
def insert():
    """Store the posted text: one statement, autocommitted."""
    CONNECTION.execute(INSERT, (request.form["text"],))
    return "stored", 200
