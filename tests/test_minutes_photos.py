"""The tables' photos in the minutes: under their question, table and round in HTML, PDF (still
PDF/A-2a), DOCX and ODT as embedded pictures with alt text, scaled for documents; a line in
Markdown; a row in CSV and XLSX; and left out when the organiser says so."""
from __future__ import annotations

import base64
import csv
import io
import re
import shutil
import subprocess
import zipfile

import pytest
from PIL import Image

from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Workshop
from facilitator.services.participants import join_workshop
from facilitator.services.photos import add_photo
from facilitator.services.rounds import start_round
from facilitator.services.tables import seat, set_role, set_table_count

from support.databases import one_database
from support.factories import make_workshop
from support.require import require_or_skip
from test_exports import export

CAPTION = "Duken fra bord 1: kaffe og fadder"
# The photo without a caption, in the minutes' language (nb).
UNCAPTIONED = "Bilde fra Bord 2, runde 1"


def camera_photo(width=2048, height=1536) -> bytes:
    """A photo-like JPEG: noise, so it weighs what a real one does."""
    image = Image.effect_noise((width // 4, height // 4), 60).convert("RGB").resize((width, height))
    output = io.BytesIO()
    image.save(output, "JPEG", quality=90)
    return output.getvalue()


@pytest.fixture
def photographed(app, facilitator):
    """A Norwegian workshop, two tables in round 1 of its first question, a photo from each."""
    workshop = make_workshop(app, facilitator.id, language="nb", questions=("Hva kan servicetorget gjøre?",))
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        owner = db.session.get(Facilitator, facilitator.id)
        set_table_count(owner, w, 2)
        start_round(owner, w, 10, w.questions[0])
        for table, caption in zip(w.tables, (CAPTION, ""), strict=True):
            host = join_workshop(w, f"Vert {table.number}")
            seat(host, table)
            set_role(host, "host")
            add_photo(host, camera_photo(), caption)
        db.session.commit()
    return workshop


@one_database  # rendering a file, not a query: one database (tests/test_photos.py stores photos on all three)
def test_html_has_the_photos_under_their_table_and_round_scaled_with_alt_text(app, photographed):
    html = export(app, photographed.id, "html")
    images = re.findall(r'<img src="data:image/jpeg;base64,([^"]+)" alt="([^"]*)" width="(\d+)" height="(\d+)"', html)
    assert [alt for _data, alt, _w, _h in images] == [CAPTION, UNCAPTIONED]
    for data, _alt, width, height in images:
        with Image.open(io.BytesIO(base64.b64decode(data))) as picture:
            assert picture.size == (int(width), int(height)) == (1200, 900)
    # Under the question: a "Photos" heading, then each table and round.
    text = re.sub(r"<[^>]+>", " ", html.split("Hva kan servicetorget gjøre?", 2)[-1])
    words = " ".join(text.split())
    assert re.search(r"Bilder Bord 1, runde 1 Duken fra bord 1.*Bord 2, runde 1", words), words[:500]


@one_database  # rendering a file, not a query: one database (tests/test_photos.py stores photos on all three)
def test_pdf_embeds_the_photos_as_tagged_figures_and_stays_pdf_a(app, photographed, tmp_path):
    from weasyprint import HTML
    from facilitator.exporters.html import render_html
    from facilitator.exporters.pdf import PDF_OPTIONS, claim_pdf_ua
    from facilitator.services.minutes import compile_minutes
    with app.app_context():
        source = render_html(compile_minutes(db.session.get(Workshop, photographed.id)))
    raw = HTML(string=source).write_pdf(uncompressed_pdf=True, finisher=claim_pdf_ua, **PDF_OPTIONS)
    assert raw.count(b"/S /Figure") == 2 and raw.count(b"/Subtype /Image") >= 2
    assert len(re.findall(rb"/Alt (\(.*?\)|<[0-9a-fA-F]+>)", raw)) == 2
    pdf = export(app, photographed.id, "pdf")
    # Two photos scaled to 1200 px: well under the 2 × ~1 MB of the stored 2048 px ones.
    assert len(pdf) < 1_500_000, len(pdf)
    path = tmp_path / "minutes.pdf"
    path.write_bytes(pdf)
    if not shutil.which("pdfinfo"):
        require_or_skip("pdfinfo is not installed (Debian's poppler-utils)")
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="A"' in xmp
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert [line.split()[3:5] for line in listed.splitlines()[2:]] == [["1200", "900"], ["1200", "900"]]


@one_database  # rendering a file, not a query: one database (tests/test_photos.py stores photos on all three)
def test_docx_embeds_the_photos_at_the_page_width_with_alt_text(app, photographed):
    from docx import Document
    from docx.shared import Cm
    data = export(app, photographed.id, "docx")
    pictures = Document(io.BytesIO(data)).inline_shapes
    assert [shape._inline.docPr.get("descr") for shape in pictures] == [CAPTION, UNCAPTIONED]
    assert all(abs(shape.width - Cm(17)) < Cm(0.1) and shape.height < Cm(13) for shape in pictures)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        media = [archive.read(name) for name in archive.namelist() if name.startswith("word/media/")]
    assert len(media) == 2 and all(Image.open(io.BytesIO(m)).size == (1200, 900) for m in media)


@one_database  # rendering a file, not a query: one database (tests/test_photos.py stores photos on all three)
def test_odt_embeds_the_photos_with_their_description(app, photographed):
    from odf import teletype
    from odf.draw import Frame, Image as OdfImage
    from odf.opendocument import load
    from odf.svg import Desc
    data = export(app, photographed.id, "odt")
    frames = load(io.BytesIO(data)).getElementsByType(Frame)
    assert [teletype.extractText(f.getElementsByType(Desc)[0]) for f in frames] == [CAPTION, UNCAPTIONED]
    assert all(f.getAttribute("width") == "17.00cm" for f in frames)
    links = [f.getElementsByType(OdfImage)[0].getAttribute("href") for f in frames]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = archive.read("META-INF/manifest.xml").decode()
        assert all(link in manifest and archive.read(link).startswith(b"\xff\xd8") for link in links)


@one_database  # rendering a file, not a query: one database (tests/test_photos.py stores photos on all three)
def test_markdown_names_each_photo_without_its_bytes(app, photographed):
    text = export(app, photographed.id, "md")
    assert "*Bilde: Duken fra bord 1: kaffe og fadder (1200 × 900 px)*" in text
    assert f"*Bilde: {UNCAPTIONED} (1200 × 900 px)*" in text
    assert "#### Bord 1, runde 1" in text and "base64" not in text and len(text) < 2000


def test_spreadsheets_have_a_row_per_photo(app, photographed):
    from openpyxl import load_workbook
    rows = list(csv.reader(io.StringIO(export(app, photographed.id, "csv").decode("utf-8-sig")), delimiter=";"))
    photos = [row for row in rows[1:] if row[5] == "bilde"]
    assert [(row[0], row[1], row[2], row[3]) for row in photos] == [
        ("Hva kan servicetorget gjøre?", "1", "1", CAPTION), ("Hva kan servicetorget gjøre?", "2", "1", "")]
    assert all(re.fullmatch(r"JPEG-bilde, 2048 × 1536 px, \d+ kB", row[4]) for row in photos), photos
    sheet = load_workbook(io.BytesIO(export(app, photographed.id, "xlsx"))).active
    cells = [row for row in sheet.iter_rows(values_only=True) if row[5] == "bilde"]
    assert [(row[1], row[2], row[3]) for row in cells] == [(1, 1, CAPTION), (2, 1, None)]


def leave_photos_out(app, workshop_id):
    from facilitator.services.minutes import MinutesEdit, MinutesOptions, save_minutes
    with app.app_context():
        save_minutes(db.session.get(Workshop, workshop_id), None, MinutesEdit(options=MinutesOptions(photos=False)), 0)
        db.session.commit()


@one_database  # rendering a file, not a query: one database (tests/test_photos.py stores photos on all three)
@pytest.mark.parametrize("fmt", ["html", "docx", "md"])
def test_the_organiser_can_leave_the_photos_out(app, photographed, fmt):
    leave_photos_out(app, photographed.id)
    data = export(app, photographed.id, fmt)
    data = data.encode() if isinstance(data, str) else data
    assert b"Duken fra bord 1" not in data and b"data:image/jpeg" not in data
    if fmt == "docx":
        from docx import Document
        assert not Document(io.BytesIO(data)).inline_shapes


def test_the_demo_has_a_photo_of_a_tables_cloth_in_its_minutes(app, runner):
    from facilitator.services.demo import PHOTO_CAPTION
    from facilitator.models import TablePhoto
    from test_exports import demo_workshop
    workshop_id = demo_workshop(app, runner)
    with app.app_context():
        photo = db.session.query(TablePhoto).filter_by(workshop_id=workshop_id).one()
        assert (photo.table.name, photo.round.number, photo.caption) == ("Flå", 1, PHOTO_CAPTION)
        assert photo.question_id == db.session.get(Workshop, workshop_id).questions[0].id
        with Image.open(io.BytesIO(photo.image)) as picture:
            assert picture.format == "JPEG" and picture.size == (1600, 1200)
            # Paper, not a blank: light on the whole, with dark marker strokes.
            grey = picture.convert("L")
            assert grey.getextrema()[0] < 80 and sum(grey.histogram()[200:]) > 0.7 * 1600 * 1200
    text = export(app, workshop_id, "md")
    assert f"#### Bord 1: Flå, runde 1\n\n*Bilde: {PHOTO_CAPTION} (1200 × 900 px)*" in text


def test_the_minutes_editor_offers_the_photos_and_saving_without_them_leaves_them_out(app, logged_in,
                                                                                      photographed):
    from support.forms import csrf_token_in
    url = f"/host/workshops/{photographed.id}/minutes"
    page = logged_in.get(url).get_data(as_text=True)
    assert '<input checked id="include_photos" name="include_photos" type="checkbox"' in page
    label = re.search(r'name="include_photos" type="checkbox"[^>]*>([^<]*)<', page).group(1)
    assert "photos, under their table and round" in label, label
    form = {"csrf_token": csrf_token_in(page), "opening_text": "", "closing_text": "", "signature": "Åse",
            "participant_count": "", "base_revision": "0", "choices_shown": "1", "include_votes": "y"}
    preview = logged_in.client.post(url + "/preview", data={**form, "include_photos": "y"},
                                    headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'alt="{CAPTION}"' in preview
    assert logged_in.client.post(url, data=form).status_code == 303
    assert b"data:image/jpeg" not in export(app, photographed.id, "html").encode()


def test_a_photo_of_no_question_and_a_removed_table_gets_a_section_of_its_own(app, photographed):
    from facilitator.models import TablePhoto
    with app.app_context():
        photo = db.session.query(TablePhoto).filter_by(workshop_id=photographed.id, caption="").one()
        photo.question_id, photo.table_id = None, None
        db.session.commit()
    text = export(app, photographed.id, "md")
    # After the questions: a section of its own, under "no table" and the round.
    tail = text.split("\n## Bilder\n", 1)[1]
    assert tail.startswith("\n### Uten bord, runde 1\n\n*Bilde: Bilde fra Uten bord, runde 1 (1200 × 900 px)*"), tail
    assert text.index("#### Bord 1, runde 1") < text.index("\n## Bilder\n")
