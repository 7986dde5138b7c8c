"""QR codes to print: the room's poster and a card per café table, whose code seats the phone there."""
import re

from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Participant, Workshop
from facilitator.services.participants import set_joining
from facilitator.services.tables import set_table_count, update_table

from support.forms import Browser
from support.factories import make_workshop
from test_exports import pdf_text


def cafe(app, facilitator_id, tables=3, language="nb", passcode=None):
    workshop = make_workshop(app, facilitator_id, title="Kafédialog på Gol", language=language)
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        owner = db.session.get(Facilitator, facilitator_id)
        made = set_table_count(owner, w, tables) if tables else []
        if made:
            update_table(owner, made[1], "Nesbyen", w.questions[1])
        if passcode:
            set_joining(w, True, passcode)
        db.session.commit()
    return workshop


def sheets(html: str) -> list[str]:
    return re.findall(r'<section class="sheet".*?</section>', html, re.S)


def test_a_sheet_for_the_room_and_one_per_table_in_the_workshops_language(app, logged_in, facilitator):
    workshop = cafe(app, facilitator.id)
    response = logged_in.get(f"/host/workshops/{workshop.id}/cards")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="nb">' in html and "Bli med på mobilen" in html
    found = sheets(html)
    assert len(found) == 4
    room, first, second, _third = found
    code = workshop.join_code
    assert f"/j/{code}</strong>" in room and "?table=" not in room and "<h2" not in room
    assert f"/j/{code}?table=1" in first and "Bord 1" in first
    assert "Bord 2 · Nesbyen" in second and "Second question?" in second and f"/j/{code}?table=2" in second
    assert all(f"{code[:3]} {code[3:]}" in sheet for sheet in found)
    # Each sheet has its own code: the table's address is in its QR code, not only in its text.
    codes = [re.search(r"<svg.*?</svg>", sheet, re.S).group(0) for sheet in found]
    assert len(set(codes)) == 4
    assert "Passord" not in html and "Passcode" not in html


def test_no_tables_means_the_rooms_sheet_alone_and_a_passcode_is_printed(app, logged_in, facilitator):
    workshop = cafe(app, facilitator.id, tables=0, language="en", passcode="kaffe")
    html = logged_in.get(f"/host/workshops/{workshop.id}/cards").get_data(as_text=True)
    (room,) = sheets(html)
    assert "Passcode <strong>kaffe</strong>" in room


def test_the_pdf_holds_the_same_sheets(app, logged_in, facilitator, tmp_path):
    workshop = cafe(app, facilitator.id)
    response = logged_in.get(f"/host/workshops/{workshop.id}/cards.pdf")
    assert response.status_code == 200 and response.content_type == "application/pdf"
    assert "kafedialog-pa-gol" in response.headers["Content-Disposition"]
    text = pdf_text(response.data, tmp_path)
    pages = text.split("\f")
    assert len([page for page in pages if page.strip()]) == 4
    assert "Bord 2 · Nesbyen" in pages[2] and f"j/{workshop.join_code}?table=2" in pages[2].replace("\n", "")
    assert "Tilbake til workshopen" not in text  # the screen's toolbar is not printed


def test_a_tables_code_chooses_that_table_on_the_join_form(app, client, facilitator):
    workshop = cafe(app, facilitator.id)
    url = f"/j/{workshop.join_code}"
    page = client.get(f"{url}?table=2").get_data(as_text=True)
    assert re.search(r'<option selected value="2">|<option value="2" selected>', page), page
    for wrong in ("99", "x", "-1"):
        page = client.get(f"{url}?table={wrong}").get_data(as_text=True)
        assert re.findall(r'<option selected value="(\d+)">', page) == ["0"], wrong
    response = Browser(client).submit(f"{url}?table=2", f"{url}/join", {"display_name": "Kari", "table": "2"})
    assert response.status_code == 303
    with app.app_context():
        participant = db.session.query(Participant).one()
        assert participant.table.number == 2


def test_the_console_links_to_the_cards(app, logged_in, facilitator):
    workshop = cafe(app, facilitator.id, tables=0)
    page = logged_in.get(f"/host/workshops/{workshop.id}").get_data(as_text=True)
    assert f'href="/host/workshops/{workshop.id}/cards"' in page


def test_a_participant_who_scans_another_tables_code_is_offered_that_table(app, client, facilitator):
    workshop = cafe(app, facilitator.id, language="en")
    url = f"/j/{workshop.join_code}"
    assert Browser(client).submit(url, f"{url}/join", {"table": "1"}).status_code == 303
    assert "You scanned the code" not in client.get(f"{url}?table=1").get_data(as_text=True)  # where they sit
    page = client.get(f"{url}?table=2").get_data(as_text=True)
    assert "You scanned the code of Table 2 · Nesbyen." in page
    # Offered, not done: a GET changes nothing.
    with app.app_context():
        assert db.session.query(Participant).one().table.number == 1
    response = Browser(client).submit(f"{url}?table=2", f"{url}/table", {"table": "2"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.query(Participant).one().table.number == 2
    assert "You scanned the code" not in client.get(url).get_data(as_text=True)


def test_a_table_number_that_is_not_one_is_ignored(app, client, facilitator):
    workshop = cafe(app, facilitator.id, language="en")
    url = f"/j/{workshop.join_code}"
    for wrong in ("²", "٣", "9" * 40, "", "1.5", "%00"):
        response = client.get(f"{url}?table={wrong}")
        assert response.status_code == 200, wrong
        assert '<option selected value="0">' in response.get_data(as_text=True)
    Browser(client).submit(url, f"{url}/join", {"table": "1"})
    for wrong in ("²", "9" * 40, "0"):
        page = client.get(f"{url}?table={wrong}")
        assert page.status_code == 200 and "You scanned the code" not in page.get_data(as_text=True)


def test_each_qr_code_in_the_pdf_has_the_address_as_its_alternative_text(app, facilitator):
    from weasyprint import HTML

    from facilitator.exporters.pdf import PDF_OPTIONS
    from facilitator.web.host.cards import render_cards
    workshop = cafe(app, facilitator.id)
    with app.test_request_context("/"):
        source = render_cards(db.session.get(Workshop, workshop.id), for_pdf=True)
    raw = HTML(string=source).write_pdf(uncompressed_pdf=True, **PDF_OPTIONS)
    alts = re.findall(rb"/Alt \(([^)]*)\)", raw)
    assert len(alts) == 4
    assert alts[0].endswith(f"/j/{workshop.join_code}".encode())
    assert alts[2].endswith(f"/j/{workshop.join_code}?table=2".encode())
