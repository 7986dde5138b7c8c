"""The overload gate's bound follows the database (issue #17, the PostgreSQL burst).

A SQLite send runs without yielding, so 8 places keep one process busy. A PostgreSQL send holds
its place across ~6 round trips; with 8 places, a burst of 200 sends had half refused while the
process had CPU to spare (bench/burst.py). So PostgreSQL gets more places, and a pooled
connection ready for each: an admitted send never waits for a connection nor opens one.
"""
from __future__ import annotations

from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db
from facilitator.infra.overload import DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_IN_FLIGHT_POSTGRESQL


def app_on(uri: str, **settings):
    return create_app(type("BoundConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": uri, **settings}))


def test_postgresql_gets_more_places_than_sqlite_and_a_pooled_connection_for_each(postgres_url, tmp_path):
    sqlite = app_on(f"sqlite:///{tmp_path / 'bound.sqlite3'}")
    assert sqlite.extensions["overload_gate"].capacity == DEFAULT_MAX_IN_FLIGHT == 8

    postgresql = app_on(postgres_url)
    places = postgresql.extensions["overload_gate"].capacity
    assert places == DEFAULT_MAX_IN_FLIGHT_POSTGRESQL > DEFAULT_MAX_IN_FLIGHT
    with postgresql.app_context():
        pool = db.engine.pool
        # Connections kept open (not overflow ones, closed again when they come back) for every
        # place, and overflow left for what the gate does not hold back (pages, sockets).
        assert pool.size() >= places and pool._max_overflow > 0
        # Every place taken at once: no send waits for a connection or opens an overflow one.
        held = [db.engine.connect() for _ in range(places)]
        try:
            assert pool.checkedout() == places and pool.overflow() <= 0
        finally:
            for connection in held:
                connection.close()
        db.engine.dispose()


def test_a_bound_set_in_the_configuration_wins(postgres_url):
    app = app_on(postgres_url, OVERLOAD_MAX_IN_FLIGHT=3)
    assert app.extensions["overload_gate"].capacity == 3
    with app.app_context():
        db.engine.dispose()
