"""Accounts and workshops made directly through the services, for tests about what comes after.

They hand back plain values (ids, codes) rather than ORM objects, so that no test holds an object
whose session has gone (see conftest.py).
"""
from __future__ import annotations

from functools import cache
from types import SimpleNamespace
from unittest import mock

from werkzeug.security import generate_password_hash

from facilitator.infra.extensions import db
from facilitator.services import accounts
from facilitator.services.accounts import create_facilitator
from facilitator.services.workshops import WorkshopDetails, change_status, create_workshop

PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    """One real scrypt hash of PASSWORD for every account the tests make: a hash costs 0.1-0.2 s
    of CPU, and a session makes about two thousand accounts. Logging in still checks the
    password against it with scrypt, but at a work factor 32 times lower than the app's own
    (N = 2**10 instead of 2**15): the suite logs in about a thousand times, and an attack test
    checks 125 wrong passwords, each a full-cost scrypt otherwise (0.1 s apiece). What the work
    factor is for, slowing a stolen hash's cracking, is not what these tests test; how the app
    stores a password is tested on hashes it makes itself (tests/test_auth.py)."""
    return generate_password_hash(PASSWORD, method="scrypt:1024:8:1")


def make_facilitator(app, email="anne@example.org", name="Anne Facilitator"):
    with app.app_context(), mock.patch.object(accounts, "generate_password_hash",
                                              lambda password: password_hash()):
        person = create_facilitator(email, name, PASSWORD, locale="en")
        db.session.commit()
        return SimpleNamespace(id=person.id, email=person.email, name=person.name)


def make_workshop(app, facilitator_id, status="live", questions=("First question?", "Second question?"),
                  **details):
    from facilitator.models import Facilitator
    with app.app_context():
        owner = db.session.get(Facilitator, facilitator_id)
        workshop = create_workshop(owner, WorkshopDetails(**{"title": "Seminar", "language": "en", **details}),
                                   list(questions))
        if status != "draft":
            change_status(workshop, "live")
        if status == "closed":
            change_status(workshop, "closed")
        db.session.commit()
        return SimpleNamespace(id=workshop.id, join_code=workshop.join_code,
                               question_ids=[q.id for q in workshop.questions])
