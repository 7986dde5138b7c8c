"""Migrations keep what is in the database: an upgrade (and a downgrade) on a database with
workshops in it changes the schema and nothing else.

On SQLite a batch migration rebuilds a table (create the new one, copy, drop the old one). With
foreign keys enforced, dropping the old ``workshops`` table would first delete its rows and
cascade to every question, member and suggestion: the migration environment turns enforcement
off while it runs and checks the keys before it commits.
"""
from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db


# The revision before the last one that rebuilds ``workshops`` on SQLite.
BEFORE = "a7c3e1f2b9d4"
TABLES = ("workshops", "questions", "workshop_facilitators", "participants", "suggestions", "actions")


def counts() -> dict[str, int]:
    found = {table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
             for table in TABLES}
    db.session.remove()  # SQLite's pool has one connection: the migration needs it
    return found


def fill() -> None:
    """One workshop with a bit of everything, written with SQL of the older schema."""
    statements = [
        "INSERT INTO facilitators (id, email, name, password_hash, locale, session_nonce, created_at) "
        "VALUES (1, 'a@example.org', 'A', 'x', 'en', 'n', '2026-01-01 00:00:00')",
        "INSERT INTO workshops (id, title, place, theme, language, program, status, join_code, joining_open, "
        "moderation, results_hidden, results_published, results_private, table_mode, projector_view, "
        "projector_group, vote_budget, vote_max_per_item, event_seq, archived, created_at, updated_at) "
        "VALUES (1, 'Forum', '', '', 'sv', '', 'closed', 'ABCDEF', 1, 'post', 0, 0, 0, 'same', 'list', 'none', "
        "5, 3, 1, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO workshop_facilitators (workshop_id, facilitator_id, role, added_at) "
        "VALUES (1, 1, 'owner', '2026-01-01 00:00:00')",
        "INSERT INTO questions (id, workshop_id, position, text, is_open, voting_open, created_at) "
        "VALUES (1, 1, 1, 'Vad?', 0, 0, '2026-01-01 00:00:00')",
        "INSERT INTO participants (id, workshop_id, display_name, token, is_table_host, is_scribe, lock_version, joined_at) "
        "VALUES (1, 1, '', 'token', 0, 0, 0, '2026-01-01 00:00:00')",
        "INSERT INTO suggestions (id, workshop_id, question_id, participant_id, text, original_text, status, "
        "pinned, seq, created_at, updated_at) VALUES (1, 1, 1, 1, 'Mer kaffe', 'Mer kaffe', 'visible', 0, 1, "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO actions (id, workshop_id, what, owner, status, created_at) "
        "VALUES (1, 1, 'Skriv plan', '', 'open', '2026-01-01 00:00:00')",
    ]
    for statement in statements:
        db.session.execute(text(statement))
    db.session.commit()
    db.session.remove()


def test_upgrading_and_downgrading_a_filled_sqlite_database_keeps_every_row(tmp_path):
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"}))
    with app.app_context():
        upgrade(revision=BEFORE)
        fill()
        before = counts()
        assert all(before.values()), before
        upgrade()
        assert counts() == before
        db.session.execute(text("SELECT follows_id FROM workshops")).all()
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1, "enforced again after"
        db.session.remove()
        downgrade(revision=BEFORE)
        assert counts() == before
        db.session.remove()
        db.engine.dispose()
