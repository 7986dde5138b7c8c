"""scripts/backup.py: a live workshop backed up while the app holds its database, restored into an
empty one, reads back as the same workshop (its JSON export compared field by field)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from support.require import require_or_skip
from deploy.run_local_cluster import TemporaryDatabase, postgres_admin_url
from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.services.demo import create_demo
from facilitator.infra.extensions import db
from facilitator.models import Workshop
from facilitator.exporters.transfer import export_workshop

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "backup.py"


def app_on(url: str):
    return create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))


def exported(app) -> list[dict]:
    """Every workshop's JSON export, less the moment of exporting."""
    with app.app_context():
        workshops = db.session.scalars(select(Workshop).order_by(Workshop.id))
        return [{**export_workshop(workshop), "exported_at": None} for workshop in workshops]


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(params=["sqlite", "postgres"])
def databases(request, tmp_path):
    """The live database's URL and an empty one's."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'live.sqlite3'}", f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    admin = postgres_admin_url()
    if admin is None:
        require_or_skip("PostgreSQL is not reachable")
    with TemporaryDatabase(admin, "facilitator_live") as live, TemporaryDatabase(admin, "facilitator_restored") as empty:
        yield live.url, empty.url


def test_a_live_workshop_survives_backup_and_restore(databases, tmp_path):
    live_url, empty_url = databases
    live = app_on(live_url)
    with live.app_context():
        upgrade()
        create_demo()
        db.session.commit()
        # The app keeps its connection (and on SQLite its WAL) open while the backup runs.
        db.session.execute(select(Workshop.id)).all()
        backup = run_script("backup", live_url, str(tmp_path / "facilitator.backup"))
        assert backup.returncode == 0, backup.stderr
    before = exported(live)
    assert before and before[0]["workshop"]["status"] == "live"

    restore = run_script("restore", str(tmp_path / "facilitator.backup"), empty_url)
    assert restore.returncode == 0, restore.stderr
    restored = app_on(empty_url)
    assert exported(restored) == before
    with restored.app_context():  # the migrations' bookkeeping came along: nothing left to upgrade
        upgrade()
    for app in (live, restored):
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(databases, tmp_path):
    live_url, _empty_url = databases
    live = app_on(live_url)
    with live.app_context():
        upgrade()
    backup = run_script("backup", live_url, str(tmp_path / "facilitator.backup"))
    assert backup.returncode == 0, backup.stderr
    refused = run_script("restore", str(tmp_path / "facilitator.backup"), live_url)
    assert refused.returncode != 0
    assert "restore into" in refused.stderr
    with live.app_context():
        db.engine.dispose()
