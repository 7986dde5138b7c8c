"""Fixtures in the flaskr style: an app per test on a fresh database, its clients and its people.

Every test using ``app`` runs three times: on in-memory SQLite, on a SQLite
file in WAL mode, and on PostgreSQL, since they behave differently under
concurrency and in what SQL they accept.

No app context stays pushed while requests run: Flask would share it (and its
``g``, where Flask-Login keeps the user) between the requests of different
clients. Tests open ``with app.app_context():`` for database work, and the
fixtures hand out plain values (ids, codes) rather than ORM objects.

Only fixtures live here; the helpers tests import are in tests/support/ (tests/test_test_layout.py).
"""
from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade

from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db

from support.databases import copy_sqlite_file, load_into_memory, migrate_sqlite_template
from support.factories import PASSWORD, make_facilitator, make_workshop
from support.forms import Browser, join
from support.postgres import empty_postgres
from support.require import require_or_skip

POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_url():
    """A database of its own on the PostgreSQL server, made for this test session and dropped after."""
    try:
        import psycopg
        admin = psycopg.connect(POSTGRES_SERVER, autocommit=True, connect_timeout=3)
    except Exception as error:  # no server on this laptop
        require_or_skip(f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {error}")
    name = f"facilitator_test_{os.getpid()}"
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield POSTGRES_SERVER.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A SQLite file migrated to the newest revision once a session; each SQLite test starts from a
    copy of it rather than running every migration again (see support/databases.py)."""
    return migrate_sqlite_template(tmp_path_factory.mktemp("template") / "migrated.sqlite3")


@pytest.fixture(params=["memory", "file", "postgres"])
def app(request, tmp_path):
    if request.param == "postgres":
        uri = request.getfixturevalue("postgres_url")
    elif request.param == "file":
        uri = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        copy_sqlite_file(request.getfixturevalue("migrated_sqlite"), tmp_path / "test.sqlite3")
    else:
        uri = "sqlite://"
    app = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": uri}))
    with app.app_context():
        if request.param == "postgres":
            # At the newest revision already after the session's first test (a few ms), unless a
            # test took the schema back (tests/test_accounts.py rebuilds it from an old revision).
            upgrade()
            empty_postgres(app)
        elif request.param == "memory":
            load_into_memory(request.getfixturevalue("migrated_sqlite"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def facilitator(app):
    return make_facilitator(app)


@pytest.fixture
def logged_in(browser, facilitator):
    response = browser.submit("/auth/login", data={"email": facilitator.email, "password": PASSWORD})
    assert response.status_code == 303
    return browser


@pytest.fixture
def live_workshop(app, facilitator):
    return make_workshop(app, facilitator.id)


@pytest.fixture
def phone(app, live_workshop):
    client = app.test_client()
    join(client, live_workshop, "Phone")
    return client
