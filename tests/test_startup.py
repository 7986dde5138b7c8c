"""A database the server cannot use stops it at start, with a message that says what to change.

Before, a relative ``sqlite:///relative.db`` was put under the instance folder by the app and
under the working directory by other tools, and a database that could not be opened let the
server start and answer every page with "Busy for a moment … nothing was lost".
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from facilitator import create_app
from facilitator.infra.config import PROJECT_ROOT, TestConfig
from facilitator.infra.database import DatabaseUnavailable


def app_on(uri: str):
    return create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": uri}))


@pytest.mark.parametrize(("uri", "message"), [
    ("sqlite:///relative.db", "by a relative path"),
    ("sqlite:///instance/facilitator.sqlite3", "Give its absolute path, with four slashes"),
    ("sqlite:////no/such/folder/facilitator.sqlite3", "cannot be opened: unable to open database file"),
    ("postgresql://nobody:hunter2-secret@127.0.0.1:1/none", "cannot be opened"),
    ("not a database", "is not a database address"),
])
def test_a_database_that_cannot_serve_stops_the_start(uri, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative path must not quietly make a file here either
    with pytest.raises(DatabaseUnavailable) as error:
        app_on(uri)
    assert message in str(error.value)
    assert "hunter2-secret" not in str(error.value), "the message shows the address without its password"
    assert list(tmp_path.iterdir()) == []


def test_an_absolute_sqlite_file_and_memory_still_start(tmp_path):
    assert app_on(f"sqlite:///{tmp_path / 'ok.sqlite3'}").name == "facilitator"
    assert app_on("sqlite://").name == "facilitator"


def test_the_server_process_exits_and_says_why(tmp_path):
    """What gunicorn and ``flask --app wsgi`` import: the process ends with the message."""
    env = {**os.environ, "DATABASE_URL": "sqlite:///relative.db", "SOCKETIO_ASYNC_MODE": "threading",
           "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run([sys.executable, "-c", "import facilitator.wsgi"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "DatabaseUnavailable: DATABASE_URL names the SQLite file 'relative.db' by a relative path" \
        in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "relative.db").exists()
