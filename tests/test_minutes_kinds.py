"""Multiple choice, scales, ranking and questions to the panel in the minutes: every document
format shows each kind's figures (a table, and in PDF, DOCX and ODT a chart whose alt text
carries them), the spreadsheets have a row per answer and the workbook a summary sheet."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile

import pytest

from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Workshop
from facilitator.services.answers import submit_answer
from facilitator.services.participants import join_workshop
from facilitator.services.qanda import set_answered, set_upvote
from facilitator.services.question_kinds import KindSettings, set_question_kind
from facilitator.services.suggestions import submit_suggestion

from support.databases import one_database
from support.factories import make_workshop
from support.require import require_or_skip
from test_exports import document_text, export

CHOICE = "Hvilket tiltak vil du at servicetorga starter med?"
USEFUL = "Hvor nyttig var kvelden for deg?"
GRID = "Hvor sannsynlig er det at du anbefaler …"
RANKING = "Ranger transportmidlene"
PANEL = "Spørsmål til panelet"
QUESTIONS = [CHOICE, USEFUL, GRID, RANKING, PANEL]


def make_kinds_workshop(app, facilitator_id):
    """A Norwegian workshop with one question of each kind and six participants' answers."""
    workshop = make_workshop(app, facilitator_id, questions=QUESTIONS, title="Kveldens evaluering", language="nb")
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        choice, useful, grid, ranking, panel = w.questions
        set_question_kind(choice, KindSettings("choice", ["Velkomstpakke", "Innflytterfadder", "Møteplasser"],
                                               allow_other=True))
        set_question_kind(useful, KindSettings("scale", [], scale_min=1, scale_max=5, low_label="ikke nyttig",
                                               high_label="svært nyttig"))
        set_question_kind(grid, KindSettings("scale", ["Maten", "Praten"], scale_min=0, scale_max=10))
        set_question_kind(ranking, KindSettings("ranking", ["Buss", "Sykkel", "Gange"]))
        set_question_kind(panel, KindSettings("qanda"))
        for question in w.questions:
            question.is_open = True
        people = [join_workshop(w) for _ in range(6)]
        ids = {q.id: [o.id for o in q.options] for q in w.questions}
        for person, pick in zip(people, [0, 0, 0, 1, 2, None], strict=True):
            values = {ids[choice.id][pick]: 1} if pick is not None else {}
            submit_answer(person, choice, values, "" if pick is not None else "Kaffe på torget")
        for person, value in zip(people, [5, 5, 4, 4, 4, 3], strict=True):
            submit_answer(person, useful, {ids[useful.id][0]: value})
        for person, food, talk in zip(people, [10, 9, 8, 7, 6, 3], [9] * 6, strict=True):
            submit_answer(person, grid, {ids[grid.id][0]: food, ids[grid.id][1]: talk})
        for person, order in zip(people, [(1, 2, 3), (1, 3, 2), (2, 1, 3)], strict=False):
            submit_answer(person, ranking, dict(zip(ids[ranking.id], order, strict=True)))
        bus = submit_suggestion(people[0], panel, "Når kommer bussen?")[0]
        payer = submit_suggestion(people[1], panel, "Hvem betaler?")[0]
        for person in people[1:4]:
            set_upvote(person, bus, True)
        set_upvote(people[0], payer, True)
        set_answered(db.session.get(Facilitator, facilitator_id), bus, True)
        db.session.commit()
    return workshop


@pytest.fixture
def kinds(app, facilitator):
    return make_kinds_workshop(app, facilitator.id)


def spaced(text: str) -> str:
    """Words with single spaces: table rules and non-breaking spaces as spaces, and "50 %" also
    where a reader dropped the space (pdftotext drops a non-breaking one)."""
    text = " ".join(text.replace("|", " ").replace("\u00a0", " ").split())
    return re.sub(r"(\d) ?%", r"\1 %", text)


def words(fmt, data, tmp_path) -> str:
    return spaced(document_text(fmt, data, tmp_path))


# (what the table row says) for each kind, in Norwegian number format.
FIGURES = [
    "Velkomstpakke 3 50 %", "Innflytterfadder 1 17 %", "Møteplasser 1 17 %", "Annet 1 17 %",
    "Kaffe på torget",
    "3 1 17 %", "4 3 50 %", "5 (svært nyttig) 2 33 %", "1 (ikke nyttig) 0 0 %", "Gjennomsnitt: 4,17, av 6 svar.",
    "Maten 6 7,17 33 % 33 %", "Praten 6 9,0 100 % 0 %",
    "Buss 1 5 2 1 0", "Sykkel 2 3 1 1 1", "Gange 3 1 0 1 2",
    "Når kommer bussen? 3 besvart", "Hvem betaler? 1 ikke besvart",
]


def in_a_row(figure: str, text: str, slack: int = 0) -> bool:
    """The figure's words in order, with at most ``slack`` other words between two of them (the
    PDF's text puts a table's hidden caption among its first row's cells)."""
    wanted, found = figure.split(), text.split()
    for start in (i for i, word in enumerate(found) if word == wanted[0]):
        position, ok = start, True
        for word in wanted[1:]:
            window = found[position + 1:position + 2 + slack]
            if word not in window:
                ok = False
                break
            position += 1 + window.index(word)
        if ok:
            return True
    return False


@pytest.mark.parametrize("fmt", ["md", "html", "docx", "odt", "pdf"])
def test_every_document_has_each_kinds_figures(app, kinds, fmt, tmp_path):
    text = words(fmt, export(app, kinds.id, fmt), tmp_path)
    for figure in FIGURES:
        assert in_a_row(figure, text, slack=3 if fmt == "pdf" else 0), (fmt, figure, text[:3000])


# The charts' alt text: every figure of the chart, as the bars show them.
CHOICE_ALT = ("Hvilket tiltak vil du at servicetorga starter med?: Velkomstpakke: 3 (50 %); "
              "Innflytterfadder: 1 (17 %); Møteplasser: 1 (17 %); Annet: 1 (17 %)")
CHART_COUNT = 5  # the choice, the 1–5 scale, the grid's two statements, the ranking


@one_database  # how a chart is embedded in the file, not a query: one database
def test_docx_charts_are_pictures_with_the_figures_as_alt_text(app, kinds):
    from docx import Document
    document = Document(io.BytesIO(export(app, kinds.id, "docx")))
    pictures = document.inline_shapes
    assert len(pictures) == CHART_COUNT
    descriptions = [spaced(shape._inline.docPr.get("descr")) for shape in pictures]
    assert descriptions[0] == CHOICE_ALT
    assert "Buss: 5 poeng; Sykkel: 3 poeng; Gange: 1 poeng" in descriptions[-1]
    with zipfile.ZipFile(io.BytesIO(export(app, kinds.id, "docx"))) as archive:
        images = [name for name in archive.namelist() if name.startswith("word/media/")]
        assert images and all(archive.read(name).startswith(b"\x89PNG") for name in images)


@one_database  # how a chart is embedded in the file, not a query: one database
def test_odt_charts_are_svg_with_a_png_fallback_and_the_figures_as_description(app, kinds):
    from odf import teletype
    from odf.draw import Frame, Image
    from odf.opendocument import load
    from odf.svg import Desc
    data = export(app, kinds.id, "odt")
    document = load(io.BytesIO(data))
    frames = document.getElementsByType(Frame)
    assert len(frames) == CHART_COUNT
    first = frames[0]
    assert spaced(teletype.extractText(first.getElementsByType(Desc)[0])) == CHOICE_ALT
    links = [image.getAttribute("href") for image in first.getElementsByType(Image)]
    assert [link.rsplit(".", 1)[1] for link in links] == ["svg", "png"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = archive.read("META-INF/manifest.xml").decode()
        assert all(link in manifest for link in links)
        assert archive.read(links[0]).startswith(b"<?xml") and archive.read(links[1]).startswith(b"\x89PNG")


@one_database  # how a chart is embedded in the file, not a query: one database
def test_pdf_charts_are_tagged_figures_with_alt_text_and_stay_pdf_a(app, kinds, tmp_path):
    from weasyprint import HTML
    from facilitator.exporters.html import render_html
    from facilitator.exporters.pdf import PDF_OPTIONS, claim_pdf_ua
    from facilitator.services.minutes import compile_minutes
    with app.app_context():
        source = render_html(compile_minutes(db.session.get(Workshop, kinds.id)))
    raw = HTML(string=source).write_pdf(uncompressed_pdf=True, finisher=claim_pdf_ua, **PDF_OPTIONS)
    assert raw.count(b"/S /Figure") == CHART_COUNT
    alts = re.findall(rb"/Alt (\(.*?\)|<[0-9a-fA-F]+>)", raw)
    assert len(alts) == CHART_COUNT
    path = tmp_path / "minutes.pdf"
    path.write_bytes(export(app, kinds.id, "pdf"))
    if not shutil.which("pdfinfo"):
        require_or_skip("pdfinfo is not installed (Debian's poppler-utils)")
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="A"' in xmp
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in rows), fonts


def test_csv_has_a_row_per_answer_and_the_panels_questions(app, kinds):
    import csv
    data = export(app, kinds.id, "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(header) == 10
    by_question = {question: [row for row in body if row[0] == question] for question in QUESTIONS}
    assert [row[3] for row in by_question[CHOICE]] == [
        "Velkomstpakke", "Velkomstpakke", "Velkomstpakke", "Innflytterfadder", "Møteplasser", "Annet: Kaffe på torget"]
    assert [row[3] for row in by_question[USEFUL]] == ["5", "5", "4", "4", "4", "3"]
    assert by_question[GRID][0][3] == "Maten: 10; Praten: 9"
    assert [row[3] for row in by_question[RANKING]] == [
        "1. Buss; 2. Sykkel; 3. Gange", "1. Buss; 2. Gange; 3. Sykkel", "1. Sykkel; 2. Buss; 3. Gange"]
    panel = {row[3]: row for row in by_question[PANEL]}
    assert panel["Når kommer bussen?"][5] == "besvart" and panel["Når kommer bussen?"][6] == "3"
    assert panel["Hvem betaler?"][5] == "synlig" and panel["Hvem betaler?"][6] == "1"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row[9]) for row in body)


def test_xlsx_has_the_answers_and_a_summary_sheet_of_the_figures(app, kinds):
    from openpyxl import load_workbook
    workbook = load_workbook(io.BytesIO(export(app, kinds.id, "xlsx")))
    raw, summary = workbook.worksheets
    values = [row for row in raw.iter_rows(min_row=2, values_only=True)]
    assert [row[3] for row in values if row[0] == USEFUL] == [5, 5, 4, 4, 4, 3]
    assert summary.title == "Sammendrag"
    rows = list(summary.iter_rows(values_only=False))
    header, body = [cell.value for cell in rows[0]], rows[1:]
    assert header == ["Spørsmål", "Type", "Alternativ", "Verdi", "Svar", "Andel", "Gjennomsnitt", "Poeng", "Plass"]
    table = [[cell.value for cell in row] for row in body]
    assert [CHOICE, "Flervalg", "Velkomstpakke", None, 3, 0.5, None, None, None] in table
    assert [CHOICE, "Flervalg", "Annet", None, 1, 0.17, None, None, None] in table
    assert [USEFUL, "Skala", USEFUL, 4, 3, 0.5, None, None, None] in table
    assert [USEFUL, "Skala", USEFUL, None, 6, None, 4.17, None, None] in table
    assert [GRID, "Skala", "Maten", None, 6, None, 7.17, None, None] in table
    assert [RANKING, "Rangering", "Buss", None, None, None, None, 5, 1] in table
    assert [RANKING, "Rangering", "Gange", 3, 2, 0.67, None, None, None] in table
    share = next(row for row in body if row[2].value == "Velkomstpakke")[5]
    assert share.number_format == "0%"


def test_the_demo_ends_with_a_poll_the_panel_and_the_evaluation_answered_by_the_room(app, runner, tmp_path):
    from test_exports import demo_workshop
    workshop_id = demo_workshop(app, runner)
    text = words("md", export(app, workshop_id, "md"), tmp_path)
    for figure in ["36 personer svarte.", "Felles velkomstpakke og velkomstbrev 14 39 %",
                   "Innflytterfadder til nye familier 4 11 %",
                   "Kan kommunene i Hallingdal dele på én velkomstpakke? 12 besvart",
                   "Finnes det midler til innflytterdager neste år? 5 ikke besvart",
                   "5 (svært nyttig) 15 42 %", "1 (ikke nyttig) 0 0 %", "Gjennomsnitt: 4,17, av 36 svar."]:
        assert in_a_row(figure, text), figure
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        assert [q.kind for q in workshop.questions] == ["text", "text", "choice", "qanda", "scale"]
        assert not any(q.is_open for q in workshop.questions[2:])


def test_the_results_page_shows_each_kinds_figures_once_the_workshop_closes(app, client, kinds):
    from lxml import html as lxml_html
    from facilitator.services.workshops import change_status
    with app.app_context():
        change_status(db.session.get(Workshop, kinds.id), "closed")
        db.session.commit()
    response = client.get(f"/j/{kinds.join_code}/results")
    assert response.status_code == 200
    page = lxml_html.fromstring(response.get_data(as_text=True))
    cells = spaced(" ".join(" ".join(row.itertext()) for row in page.iter("tr")))
    for figure in ["Velkomstpakke 3 50 %", "5 (svært nyttig) 2 33 %", "Maten 6 7,17 33 % 33 %",
                   "Buss 1 5 2 1 0", "Når kommer bussen? 3 besvart"]:
        assert in_a_row(figure, cells), figure
    # Drawn for the screen (bars the page's width), named by the same description as the minutes' drawing.
    charts = page.xpath("//figure[@role='img'][contains(concat(' ', @class, ' '), ' figures-chart ')]")
    assert len(charts) == CHART_COUNT
    assert spaced(charts[0].get("aria-label")) == CHOICE_ALT
