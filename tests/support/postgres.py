"""PostgreSQL in the tests: one database per test session, emptied before each test that uses it."""
from __future__ import annotations

from facilitator.infra.extensions import db

# The sequences that number the tables' rows (serial and identity columns); event_seq, which no
# column owns, keeps counting, as it did when this was TRUNCATE ... RESTART IDENTITY.
RESTART_OWNED_SEQUENCES = """
    SELECT setval(s.seqrelid, s.seqstart, false)
    FROM pg_sequence s JOIN pg_depend d ON d.objid = s.seqrelid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i')
"""


def empty_postgres(app) -> None:
    """Empty every table and restart the ids.

    DELETE, not TRUNCATE: TRUNCATE gives each of the ~120 tables, indexes and TOAST tables a new
    file, and the checkpointer must fsync the new files and unlink the old ones. A thousand tests
    left ~100,000 of them, which the checkpoint that DROP DATABASE forces at the end of the session
    worked through for 44 s (the last test's "teardown"). The tests' few rows delete in ~5 ms, about
    a tenth of the TRUNCATE's time, and make no files at all.
    """
    # Children before parents, so that no foreign key objects.
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        connection.exec_driver_sql("; ".join(f"DELETE FROM {table}" for table in tables))  # noqa: S608 - the models' names
        connection.exec_driver_sql(RESTART_OWNED_SEQUENCES).all()
