"""A workshop's data can be deleted completely, on request or after its retention period."""
from datetime import timedelta

from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import (
    DeletionRecord, ModerationEvent, Participant, Suggestion, Vote, Workshop, utcnow,
)
from facilitator.services.retention import purge_expired

from support.factories import make_facilitator, make_workshop


def counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Workshop, Participant, Suggestion, Vote, ModerationEvent, DeletionRecord)}


def test_owner_deletes_everything_and_a_record_remains(app, logged_in, runner):
    code = runner.invoke(args=["demo"]).output.strip().splitlines()[-1]
    with app.app_context():
        demo = db.session.scalar(select(Workshop).where(Workshop.join_code == code))
        demo_id = demo.id
    before = counts(app)
    assert before["Suggestion"] > 30 and before["Vote"] > 0
    # The demo belongs to the demo facilitator, not to the logged-in one: refused, as if absent.
    assert logged_in.submit("/host/", f"/host/workshops/{demo_id}/delete", {"confirm": "y"}).status_code == 404
    assert counts(app) == before


def test_delete_needs_confirmation_then_removes_all(app, logged_in, facilitator, phone, live_workshop):
    url = f"/host/workshops/{live_workshop.id}"
    page = logged_in.submit(f"{url}/edit", f"{url}/delete", {}, follow=True).get_data(as_text=True)
    assert "Tick the box" in page
    from support.forms import csrf_token_in
    token = csrf_token_in(phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True))
    phone.post(f"/j/{live_workshop.join_code}/q/{live_workshop.question_ids[0]}", data={"csrf_token": token, "text": "x"})
    response = logged_in.submit(f"{url}/edit", f"{url}/delete", {"confirm": "y"})
    assert response.status_code == 303
    after = counts(app)
    assert after["Workshop"] == after["Participant"] == after["Suggestion"] == 0
    with app.app_context():
        record = db.session.scalar(select(DeletionRecord))
        assert (record.reason, record.participants, record.suggestions, record.deleted_by_id) == (
            "request", 1, 1, facilitator.id)
    assert phone.get(f"/j/{live_workshop.join_code}").status_code == 404


def test_retention_deletes_closed_workshops_unless_archived(app, logged_in, facilitator):
    old = make_workshop(app, facilitator.id, status="closed", title="Old")
    kept = make_workshop(app, facilitator.id, status="closed", title="Archived")
    recent = make_workshop(app, facilitator.id, status="closed", title="Recent")
    for workshop, archived in ((old, False), (kept, True), (recent, False)):
        url = f"/host/workshops/{workshop.id}"
        data = {"retention_days": "30"}
        if archived:
            data["archived"] = "y"
        assert logged_in.submit(f"{url}/edit", f"{url}/retention", data).status_code == 303
    with app.app_context():
        for workshop in (old, kept):
            db.session.get(Workshop, workshop.id).closed_at = utcnow() - timedelta(days=31)
        db.session.commit()
        records = purge_expired()
        db.session.commit()
        assert [r.workshop_title for r in records] == ["Old"] and records[0].reason == "retention"
        assert {w.title for w in db.session.scalars(select(Workshop))} == {"Archived", "Recent"}


def test_bad_retention_is_explained(app, logged_in, facilitator):
    workshop = make_workshop(app, facilitator.id)
    url = f"/host/workshops/{workshop.id}"
    page = logged_in.submit(f"{url}/edit", f"{url}/retention", {"retention_days": "0"}, follow=True)
    assert "Keep the data between 1 and 3650 days" in page.get_data(as_text=True)


def test_co_facilitator_cannot_delete_nor_set_retention(app, facilitator, live_workshop):
    from facilitator.models import Facilitator
    from facilitator.services.invites import add_member
    from support.forms import Browser
    from support.factories import PASSWORD
    colleague = make_facilitator(app, "bo@example.org", "Bo")
    with app.app_context():
        add_member(db.session.get(Workshop, live_workshop.id), db.session.get(Facilitator, colleague.id))
        db.session.commit()
    browser = Browser(app.test_client())
    browser.submit("/auth/login", data={"email": colleague.email, "password": PASSWORD})
    url = f"/host/workshops/{live_workshop.id}"
    page = browser.submit(f"{url}/edit", f"{url}/delete", {"confirm": "y"}, follow=True).get_data(as_text=True)
    assert "Only the workshop" in page
    assert counts(app)["Workshop"] == 1
    # Nor decide how long the data is kept: one day would delete it as surely. The page says so
    # instead of offering forms that would refuse.
    form = browser.get(f"{url}/edit").get_data(as_text=True)
    assert "Only the workshop" in form and "decides how long its data is kept" in form
    assert f"{url}/retention" not in form and f"{url}/delete" not in form
    page = browser.submit(f"{url}/edit", f"{url}/retention", {"retention_days": "1"}, follow=True)
    assert "owner can decide how long its data is kept" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Workshop, live_workshop.id).retention_days is None


def test_production_sends_hsts_and_secure_cookies(tmp_path, monkeypatch):
    from facilitator import create_app
    from facilitator.infra.config import TestConfig
    config = type("Prod", (TestConfig,), {"PRODUCTION": True, "SESSION_COOKIE_SECURE": True,
                                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    app = create_app(config)
    with app.test_client() as client:
        response = client.get("/static/favicon.svg")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()


def test_production_refuses_a_missing_secret_key(monkeypatch):
    import pytest
    from facilitator import create_app
    from facilitator.infra.config import DEVELOPMENT_SECRET, Config
    from facilitator.infra.security import InsecureConfiguration
    monkeypatch.setenv("FACILITATOR_ENV", "production")
    config = type("Prod", (Config,), {"SECRET_KEY": DEVELOPMENT_SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(InsecureConfiguration):
        create_app(config)
