"""Back up the database of a running installation, and restore it into an empty one.

    python scripts/backup.py backup  DATABASE_URL FILE     # while the app runs
    python scripts/backup.py restore FILE DATABASE_URL     # into an empty database, app stopped

SQLite: Python's sqlite3 backup API copies the file page by page under SQLite's
own locking, so it is consistent while the app writes (in WAL mode too), where
copying the file could catch half a transaction. The backup is itself a SQLite file.

PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot, however long it
takes, without blocking the app), restored with ``pg_restore`` into an empty
database; ownership and grants are left to the restoring role. The client
tools come from Debian's ``postgresql-client`` of the server's major version or later.

DATABASE_URL is the app's own (``sqlite:///…`` or ``postgresql://…``); the file
holds everything, participants' text included: keep it as the database is kept.
"""
from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def sqlite_path(url: str) -> Path:
    """The file of ``sqlite:///relative`` or ``sqlite:////absolute`` (SQLAlchemy's spelling)."""
    path = url.split(":///", 1)[1].split("?", 1)[0]
    if not path or path == ":memory:":
        raise SystemExit("An in-memory SQLite database cannot be backed up.")
    return Path(path)


def libpq_url(url: str) -> str:
    """SQLAlchemy's postgresql+psycopg://… as libpq's postgresql://…"""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def copy_sqlite(source: Path, target: Path) -> None:
    if not source.exists():
        raise SystemExit(f"No database at {source}.")
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()


def backup(url: str, file: Path) -> None:
    """Write a consistent copy of the database at url to file (replacing it)."""
    file.unlink(missing_ok=True)
    if url.startswith("sqlite"):
        copy_sqlite(sqlite_path(url), file)
    elif url.startswith("postgresql"):
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                        f"--file={file}", libpq_url(url)], check=True)
    else:
        raise SystemExit(f"Unknown kind of database: {url.split(':', 1)[0]}")


def restore(file: Path, url: str) -> None:
    """Load a backup into the empty database at url; refuses one that has tables already."""
    if url.startswith("sqlite"):
        target = sqlite_path(url)
        if target.exists() and target.stat().st_size > 0:
            raise SystemExit(f"{target} exists: restore into a new file, or move that one away first.")
        copy_sqlite(file, target)
    elif url.startswith("postgresql"):
        tables = subprocess.run(["psql", "-Atc", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                                 libpq_url(url)], check=True, capture_output=True, text=True).stdout.strip()
        if tables != "0":
            raise SystemExit("The database has tables already: restore into an empty database.")
        subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                        f"--dbname={libpq_url(url)}", str(file)], check=True)
    else:
        raise SystemExit(f"Unknown kind of database: {url.split(':', 1)[0]}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="copy a (running) database to a file")
    make.add_argument("database_url")
    make.add_argument("file", type=Path)
    load = commands.add_parser("restore", help="load a backup file into an empty database")
    load.add_argument("file", type=Path)
    load.add_argument("database_url")
    args = parser.parse_args(argv)
    if args.command == "backup":
        backup(args.database_url, args.file)
    else:
        restore(args.file, args.database_url)
    print(f"{args.command}: done", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
