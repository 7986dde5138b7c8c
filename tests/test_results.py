"""The results for participants: shown at the join link when the facilitator lets them, never otherwise."""
from __future__ import annotations

import pytest

from facilitator.web import results
from facilitator.infra.extensions import db
from facilitator.models import Workshop
from facilitator.services.workshops import change_status

from test_exports import make_rich_workshop


@pytest.fixture
def public_app(app):
    # The factory registers the blueprint once it is wired in; until then the tests do.
    if "results" not in app.blueprints:
        app.register_blueprint(results.bp)
    return app


def set_state(app, workshop_id, status=None, published=None):
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        if status:
            change_status(workshop, status)
        if published is not None:
            workshop.results_published = published
        db.session.commit()


@pytest.mark.parametrize("status, published, private, shown", [
    ("draft", True, False, False),
    ("live", False, False, False),
    ("live", True, False, True),
    ("closed", False, False, True),
    ("closed", True, True, False),
    ("closed", False, True, False),
])
def test_who_may_see_the_results(status, published, private, shown):
    workshop = Workshop(status=status, results_published=published)
    workshop.results_private = private
    assert results.results_public(workshop) is shown


def test_results_page_and_pdf_once_closed(public_app, facilitator, tmp_path):
    app = public_app
    workshop = make_rich_workshop(app, facilitator.id)
    client = app.test_client()
    assert client.get(f"/j/{workshop.join_code}/results").status_code == 404
    assert client.get(f"/j/{workshop.join_code}/results.pdf").status_code == 404
    set_state(app, workshop.id, status="closed")
    page = client.get(f"/j/{workshop.join_code}/results")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-cache"
    assert "Velkomstpakke med kart over Ål" in html and "Bærekraftig dugnad på grendehuset" in html
    assert "Møteplasser" in html and "Lage velkomstpakke" in html  # themes and actions
    # The ranking counts dots, the word the projector and the phones use (not "stemmer").
    assert "(6 prikker)" in html and "stemmer)" not in html
    # Moderated-away text is never public, whatever the minutes include.
    assert "Dette ble skjult av moderator" not in html and "Venter på godkjenning" not in html
    assert f'href="/j/{workshop.join_code}/results.pdf"' in html
    pdf = client.get(f"/j/{workshop.join_code}/results.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert pdf.headers["Content-Disposition"].startswith('attachment; filename="kafedialog-pa-al-2024-03-14.pdf"')
    from test_exports import pdf_text
    text = pdf_text(pdf.data, tmp_path)
    assert "Bærekraftig dugnad" in text and "Dette ble skjult" not in text


def test_results_follow_publishing_while_live_and_a_lowercase_code(public_app, facilitator):
    app = public_app
    workshop = make_rich_workshop(app, facilitator.id)
    client = app.test_client()
    set_state(app, workshop.id, published=True)
    assert client.get(f"/j/{workshop.join_code}/results").status_code == 200
    moved = client.get(f"/j/{workshop.join_code.lower()}/results")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/j/{workshop.join_code}/results")
    set_state(app, workshop.id, published=False)
    assert client.get(f"/j/{workshop.join_code}/results").status_code == 404
    assert client.get("/j/NOPE22/results.pdf").status_code == 404


def test_results_response_is_what_the_join_link_shows_once_closed(public_app, facilitator):
    """The hook for participant.workshop: it returns this page instead of the waiting page."""
    app = public_app
    workshop = make_rich_workshop(app, facilitator.id)
    set_state(app, workshop.id, status="closed")
    with app.test_request_context(f"/j/{workshop.join_code}"):
        response = results.results_response(db.session.get(Workshop, workshop.id))
        html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Velkomstpakke med kart over Ål" in html
    import inspect
    from facilitator.web import participant
    hooked = "results_response" in inspect.getsource(participant)
    if hooked:
        page = app.test_client().get(f"/j/{workshop.join_code}").get_data(as_text=True)
        assert "Velkomstpakke med kart over Ål" in page


def test_results_page_is_phone_first(public_app, facilitator):
    app = public_app
    workshop = make_rich_workshop(app, facilitator.id)
    set_state(app, workshop.id, status="closed")
    html = app.test_client().get(f"/j/{workshop.join_code}/results").get_data(as_text=True)
    assert 'name="viewport"' in html and 'class="phone-main"' in html
    assert "<table" not in html, "no wide tables on a phone: actions are a list"


# The PDFs are laid out in a background thread: that needs a real database, not one in-memory
# connection shared by all.
@pytest.mark.parametrize("app", ["file", "postgres"], indirect=True)
def test_closing_lays_out_both_pdfs_before_anyone_asks(public_app, facilitator, logged_in, monkeypatch,
                                                        tmp_path):
    import time
    from facilitator.exporters import pdf as pdf_module
    app = public_app
    app.config["PREPARE_PDFS"] = True
    app.config["PDF_CACHE_FOLDER"] = str(tmp_path)
    laid_out = []
    layout = pdf_module.layout_pdf

    def counted_layout(source):
        pdf = layout(source)
        laid_out.append(source)
        return pdf
    monkeypatch.setattr(pdf_module, "layout_pdf", counted_layout)
    workshop = make_rich_workshop(app, facilitator.id)
    console = f"/host/workshops/{workshop.id}"
    assert logged_in.submit(console, f"{console}/status", {"status": "closed"}).status_code == 303
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("*.pdf"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(laid_out) == 2  # the organiser's minutes and the participants' results
    organiser = logged_in.client.get(f"/export/{workshop.id}/minutes.pdf")
    public = app.test_client().get(f"/j/{workshop.join_code}/results.pdf")
    assert organiser.data.startswith(b"%PDF-") and public.data.startswith(b"%PDF-")
    assert len(laid_out) == 2  # both downloads came from what was laid out at closing
