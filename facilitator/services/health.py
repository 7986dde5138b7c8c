"""The installation's health for its administrators: version, database, Redis, migrations,
the last purge and the disk its files use."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text

from facilitator.infra.extensions import db
from facilitator.models import DeletionRecord, PurgeRun, TablePhoto


@dataclass
class Check:
    ok: bool
    detail: str = ""


def app_version() -> str:
    try:
        return metadata.version("facilitator")
    except metadata.PackageNotFoundError:  # a checkout that was never installed
        return "unknown"


def check_database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any failure is the news on this page, not a 500
        db.session.rollback()
        return Check(False, type(error).__name__)
    return Check(True, db.engine.dialect.name)


def check_redis() -> Check | None:
    """None when the installation runs without Redis (one process)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as error:
        return Check(False, type(error).__name__)
    return Check(True)


def check_migrations() -> Check:
    """Current when the database's revision is the newest one the installed code ships."""
    from alembic.script import ScriptDirectory
    extension = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(extension.migrate.get_config(extension.directory))
    heads = set(script.get_heads())
    try:
        current = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:  # no alembic_version table: never migrated
        db.session.rollback()
        current = set()
    return Check(current == heads, ", ".join(sorted(current)) or "—")


def record_purge_run(records: list[DeletionRecord]) -> PurgeRun:
    """Called by `flask purge` after each run, also when it deleted nothing."""
    run = PurgeRun(deleted=len(records), join_codes=" ".join(record.join_code for record in records))
    db.session.add(run)
    db.session.flush()
    return run


def last_purge_run() -> PurgeRun | None:
    return db.session.scalar(select(PurgeRun).order_by(PurgeRun.ran_at.desc(), PurgeRun.id.desc()).limit(1))


def folder_size(folder: Path | None) -> int | None:
    """Bytes in the files under folder; None when it does not exist."""
    if folder is None or not folder.is_dir():
        return None
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def photo_bytes() -> int:
    """Bytes the tables' photos take: they live in the database, so no folder shows them."""
    return db.session.scalar(select(func.coalesce(func.sum(func.length(TablePhoto.image)), 0)))


def disk_usage() -> dict[str, int | None]:
    """What the installation's data takes: the tables' photos (in the database), the PDF cache
    and the whole instance folder (which also holds a SQLite database)."""
    setting = current_app.config.get("PDF_CACHE_FOLDER", "")
    instance = Path(current_app.instance_path)
    pdf_cache = None if setting is None else Path(setting or instance / "pdf-cache")
    return {"photos": photo_bytes(), "pdf_cache": folder_size(pdf_cache), "instance": folder_size(instance)}


@dataclass
class Health:
    version: str
    database: Check
    redis: Check | None
    migrations: Check
    last_purge: PurgeRun | None
    disk: dict
    checked_at: datetime


def installation_health(now: datetime) -> Health:
    return Health(version=app_version(), database=check_database(), redis=check_redis(),
                  migrations=check_migrations(), last_purge=last_purge_run(), disk=disk_usage(),
                  checked_at=now)
