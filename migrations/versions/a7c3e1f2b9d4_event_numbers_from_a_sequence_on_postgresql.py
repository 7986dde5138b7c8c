"""event numbers from a sequence on PostgreSQL

Revision ID: a7c3e1f2b9d4
Revises: 1649d00de887
Create Date: 2026-11-23 22:30:00

A send took the workshop row's lock to number its event, and held it until commit: under load
the sends of a workshop queued behind each other. PostgreSQL now numbers events from one
sequence, started above every number already given so views keep telling newer from older.
SQLite keeps the per-workshop counter (it has one writer at a time anyway).
"""
from alembic import op


revision = 'a7c3e1f2b9d4'
down_revision = '1649d00de887'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE IF NOT EXISTS event_seq")
    op.execute("SELECT setval('event_seq', GREATEST(1, "
               "(SELECT COALESCE(MAX(event_seq), 0) FROM workshops), "
               "(SELECT COALESCE(MAX(seq), 0) FROM suggestions)))")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # Each workshop's counter continues above the numbers the sequence gave its suggestions.
    op.execute("UPDATE workshops SET event_seq = GREATEST(event_seq, "
               "(SELECT COALESCE(MAX(seq), 0) FROM suggestions WHERE suggestions.workshop_id = workshops.id))")
    op.execute("DROP SEQUENCE IF EXISTS event_seq")
