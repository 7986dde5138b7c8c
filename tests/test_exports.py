"""Every download format, read back with its own reader: same structure, same content, æøå intact."""
from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import html as lxml_html

from facilitator.exporters.formats import FORMATS, export_document
from facilitator.exporters.pdf import PDF_OPTIONS, claim_pdf_ua
from facilitator.infra.extensions import db
from facilitator.models import (
    Action, CafeTable, Facilitator, MinutesRevision, Participant, Round, Suggestion, Theme, Vote, Workshop,
)
from facilitator.services.minutes import MinutesOptions, compile_minutes
from facilitator.services.workshops import WorkshopDetails, change_status, create_workshop

from support.databases import one_database
from support.factories import make_facilitator
from support.require import require_or_skip

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts" / "exports"
DOCUMENTS = ["md", "html", "docx", "odt", "pdf"]
START = datetime(2024, 3, 14, 17, 5, tzinfo=timezone.utc)

Q1 = "Hva kan vi gjøre for å få tilflyttere til å bli i Ål og Å?"
Q2 = "Hvordan når vi de unge på Røros?"
# (question, table, round, text, status, dots)
SUGGESTIONS = [
    (0, 1, 1, "Velkomstpakke med kart over Ål", "visible", 5),
    (0, 2, 1, "Innflytterfadder for hver ny familie", "visible", 2),
    (0, 1, 2, "Bærekraftig dugnad på grendehuset", "visible", 0),
    (0, 2, 2, '=HYPERLINK("http://evil.invalid","klikk her")', "visible", 1),
    (0, None, None, "+47 999 99 999 (ring oss)", "visible", 0),
    (0, 1, 1, "Dette ble skjult av moderator", "hidden", 0),
    (0, 2, 1, "Venter på godkjenning ØÆÅ", "pending", 0),
    (0, 1, 1, "Velkomstpakke!", "merged", 1),
    (1, 1, 1, "-Ungdomsråd med egen økonomi", "visible", 0),
    (1, 2, 1, "@Snapchat-konto for kommunen", "visible", 0),
    (1, None, None, "\tTab først, så tekst", "visible", 0),
]
VISIBLE = {0: [s[3] for s in SUGGESTIONS if s[0] == 0 and s[4] == "visible"],
           1: [s[3] for s in SUGGESTIONS if s[0] == 1 and s[4] == "visible"]}


def make_rich_workshop(app, facilitator_id, options: MinutesOptions | None = None, title="Kafédialog på Ål"):
    """A café dialogue with tables, rounds, moderation, votes, themes, actions and Norwegian letters."""
    with app.app_context():
        owner = db.session.get(Facilitator, facilitator_id)
        workshop = create_workshop(owner, WorkshopDetails(
            title=title, date=date(2024, 3, 14), place="Ål kulturhus", theme="Bolyst og tilflytting",
            language="nb", program="17.00 Velkommen\n17.15 Kafédialog"), [Q1, Q2])
        change_status(workshop, "live")
        q1, q2 = workshop.questions
        tables = [CafeTable(workshop=workshop, number=1, name="Næringsliv"), CafeTable(workshop=workshop, number=2)]
        rounds = [Round(workshop=workshop, number=n, started_at=START + timedelta(minutes=20 * n))
                  for n in (1, 2)]
        db.session.add_all(tables + rounds)
        people = [Participant(workshop=workshop) for _ in range(3)]
        db.session.add_all(people)
        db.session.flush()
        created = []
        for n, (qi, table, rnd, text, status, _dots) in enumerate(SUGGESTIONS):
            created.append(Suggestion(
                workshop_id=workshop.id, question_id=(q1, q2)[qi].id, text=text,
                original_text=text.replace("Velkomstpakke med kart", "velkomstpakke m/kart"), status=status,
                table_id=tables[table - 1].id if table else None, round_id=rounds[rnd - 1].id if rnd else None,
                created_at=START + timedelta(minutes=n)))
        db.session.add_all(created)
        db.session.flush()
        created[7].merged_into_id = created[0].id
        for suggestion, spec in zip(created, SUGGESTIONS, strict=True):
            if spec[5]:
                db.session.add(Vote(suggestion_id=suggestion.id, participant_id=people[0].id, dots=spec[5]))
        q1.voting_closed_at = START + timedelta(hours=1)
        theme = Theme(workshop_id=workshop.id, question_id=q1.id, name="Møteplasser", position=1)
        db.session.add(theme)
        db.session.flush()
        created[0].theme_id = created[2].theme_id = theme.id
        db.session.add_all([
            Action(workshop_id=workshop.id, suggestion_id=created[0].id, what="Lage velkomstpakke",
                   owner="Servicetorget i Ål", due_date=date(2024, 6, 1), status="open"),
            Action(workshop_id=workshop.id, theme_id=theme.id, what="Kartlegge møteplasser",
                   owner="Kulturkontoret", status="done")])
        db.session.add(MinutesRevision(
            workshop_id=workshop.id, number=1, opening_text="Velkommen til kafédialog.\n\nVi var mange.",
            closing_text="Takk for innsatsen!", signature="Åse Ødegård\nRådgiver",
            participant_count=27, options=(options or MinutesOptions(
                program=True, per_table=True, hidden=True, votes=True, themes=True, actions=True,
                facilitators=True, participant_count=True)).to_json()))
        db.session.commit()
        return SimpleNamespace(id=workshop.id, join_code=workshop.join_code)


@pytest.fixture
def rich(app, facilitator):
    return make_rich_workshop(app, facilitator.id)


def export(app, workshop_id, fmt):
    with app.app_context():
        return export_document(db.session.get(Workshop, workshop_id), fmt)[0]


def set_options(app, workshop_id, **chosen):
    with app.app_context():
        revision = db.session.get(Workshop, workshop_id).minutes_revisions[-1]
        revision.options = MinutesOptions(**chosen).to_json()
        db.session.commit()


def in_norwegian(app, singular, plural, number) -> str:
    """A label as the nb minutes write it, whether or not the catalog translates it yet."""
    from flask_babel import force_locale, ngettext
    with app.test_request_context(), force_locale("nb"):
        return ngettext(singular, plural, number)


# -- reading each format back as (kind, level, text) -------------------------------------------

def blocks_from_markdown(text: str):
    out = []
    for line in text.splitlines():
        unescaped = re.sub(r"\\(.)", r"\1", line)
        if match := re.match(r"^(#+) (.*)$", line):
            out.append(("h", len(match[1]) - 1, re.sub(r"\\(.)", r"\1", match[2])))
        elif match := re.match(r"^(- |\d+\. )(.*)$", line):
            out.append(("li", 0, re.sub(r"\\(.)", r"\1", match[2])))
        elif line.strip():
            out.append(("p", 0, unescaped))
    return out


def blocks_from_html(text: str):
    tree = lxml_html.fromstring(text)
    out = []
    for element in tree.iter("h1", "h2", "h3", "h4", "li", "p", "td", "dt", "dd"):
        kind = "h" if element.tag in ("h1", "h2", "h3", "h4") else element.tag
        level = int(element.tag[1]) - 1 if kind == "h" else 0
        out.append((kind if kind in ("h", "li", "p") else "p", level, element.text_content()))
    return out


def blocks_from_docx(data: bytes):
    from docx import Document
    document = Document(io.BytesIO(data))
    out = []
    for paragraph in document.paragraphs:
        style = paragraph.style.name
        if style == "Title":
            out.append(("h", 0, paragraph.text))
        elif style.startswith("Heading "):
            out.append(("h", int(style.split()[1]), paragraph.text))
        elif style in ("List Bullet", "List Number"):
            out.append(("li", 0, paragraph.text))
        elif paragraph.text:
            out.append(("p", 0, paragraph.text))
    for table in document.tables:
        out += [("p", 0, cell.text) for row in table.rows for cell in row.cells]
    return out


def blocks_from_odt(data: bytes):
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load
    document = load(io.BytesIO(data))
    out = []

    def walk(node):
        for child in node.childNodes:
            if child.qname == (TEXTNS, "h"):
                out.append(("h", int(child.getAttribute("outlinelevel")), teletype.extractText(child)))
            elif child.qname == (TEXTNS, "list-item"):
                out.append(("li", 0, teletype.extractText(child)))
            elif child.qname == (TEXTNS, "p"):
                style = child.getAttribute("stylename")
                out.append(("h" if style == "Title" else "p", 0, teletype.extractText(child)))
            else:
                walk(child)
    walk(document.text)
    return out


def pdf_text(data: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdftotext"):
        require_or_skip("pdftotext is not installed (Debian's poppler-utils)")
    path = tmp_path / "minutes.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")


def read_blocks(fmt: str, data):
    return {"md": blocks_from_markdown, "html": blocks_from_html, "docx": blocks_from_docx,
            "odt": blocks_from_odt}[fmt](data)


def flat(text: str) -> str:
    return " ".join(text.split())


def document_text(fmt, data, tmp_path) -> str:
    """All the words of a document, whitespace collapsed: for presence checks in every format."""
    if fmt == "pdf":
        return flat(pdf_text(data, tmp_path))
    return flat(" ".join(text for _kind, _level, text in read_blocks(fmt, data)))


def main_list(section) -> list[str]:
    """The question's own list of suggestions (before its ranking, themes…), votes notes removed."""
    end = next((i for i, b in enumerate(section) if b[0] == "h"), len(section))
    return [re.sub(r" \(\d+ [^()]+\)$", "", b[2]) for b in section[:end] if b[0] == "li"]


def under_heading(blocks, heading: str) -> list:
    """The blocks after a level-1 heading, up to the next one."""
    start = next(i for i, b in enumerate(blocks) if b[0] == "h" and b[1] == 1 and b[2] == heading)
    rest = blocks[start + 1:]
    end = next((i for i, b in enumerate(rest) if b[0] == "h" and b[1] <= 1), len(rest))
    return rest[:end]


# -- structure ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["md", "html", "docx", "odt"])
def test_each_format_has_the_headings_and_every_suggestion_under_its_question(app, rich, fmt):
    blocks = read_blocks(fmt, export(app, rich.id, fmt))
    assert blocks[0] == ("h", 0, "Kafédialog på Ål")
    for index, question in enumerate([Q1, Q2]):
        section = under_heading(blocks, question)
        headings = [b[2] for b in section if b[0] == "h"]
        items = [b[2] for b in section if b[0] == "li"]
        for text in VISIBLE[index]:
            assert any(item.startswith(text) for item in items), (fmt, text, items)
        # Per table (chosen): the tables as level-2 headings, in order, the table-less last.
        assert re.fullmatch(r"(Bord|Table) 1: Næringsliv", headings[0]), headings
        assert re.fullmatch(r"(Bord|Table) 2", headings[1]), headings
    first = under_heading(blocks, Q1)
    levels = {b[2]: b[1] for b in first if b[0] == "h"}
    assert levels["Møteplasser"] == 3 and all(level == 2 for name, level in levels.items() if name != "Møteplasser")
    assert "Action plan" in [b[2] for b in blocks if b[0] == "h" and b[1] == 1] or \
        "Handlingsplan" in [b[2] for b in blocks if b[0] == "h" and b[1] == 1]


@one_database  # rendering a file, not a query: one database
@pytest.mark.parametrize("fmt", DOCUMENTS)
def test_every_document_format_honours_the_options_the_same_way(app, facilitator, fmt, tmp_path):
    workshop = make_rich_workshop(app, facilitator.id)
    everything = document_text(fmt, export(app, workshop.id, fmt), tmp_path)
    set_options(app, workshop.id, program=False, per_table=False, hidden=False, votes=False, themes=False,
                actions=False, facilitators=False, participant_count=False)
    nothing = document_text(fmt, export(app, workshop.id, fmt), tmp_path)
    markers = {
        "program": "17.15 Kafédialog", "per_table": "Næringsliv", "hidden": "Dette ble skjult av moderator",
        "pending": "Venter på godkjenning ØÆÅ", "votes": in_norwegian(app, "%(num)d dot", "%(num)d dots", 6),
        "themes": "Møteplasser",
        "actions": "Servicetorget i Ål", "facilitators": "Anne Facilitator", "participant_count": "27",
    }
    for name, marker in markers.items():
        assert marker in everything, (fmt, name)
        assert marker not in nothing, (fmt, name)
    for texts in VISIBLE.values():
        for text in texts:
            assert flat(text) in nothing and flat(text) in everything


@one_database  # rendering a file, not a query: one database
def test_docx_uses_word_styles_lists_tables_and_properties(app, rich):
    from docx import Document
    document = Document(io.BytesIO(export(app, rich.id, "docx")))
    styles = [p.style.name for p in document.paragraphs]
    assert styles[0] == "Title" and {"Heading 1", "Heading 2", "Heading 3", "List Bullet", "List Number"} <= set(styles)
    assert document.core_properties.title == "Kafédialog på Ål"
    assert document.core_properties.language == "nb-NO"
    assert document.core_properties.author == "Åse Ødegård"
    table = document.tables[0]
    assert [c.text for c in table.rows[1].cells][:2] == ["Lage velkomstpakke (Velkomstpakke med kart over Ål)",
                                                         "Servicetorget i Ål"]
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    with zipfile.ZipFile(io.BytesIO(export(app, rich.id, "docx"))) as archive:
        assert 'w:val="nb-NO"' in archive.read("word/styles.xml").decode()
        assert "PAGE" in archive.read("word/footer1.xml").decode()


@one_database  # rendering a file, not a query: one database
def test_docx_numbered_lists_start_again_at_one(app, facilitator):
    from docx import Document
    workshop = make_rich_workshop(app, facilitator.id)
    with app.app_context():
        db.session.get(Workshop, workshop.id).questions[1].voting_closed_at = START
        db.session.add(Vote(suggestion_id=db.session.query(Suggestion).filter_by(
            text="@Snapchat-konto for kommunen").one().id, participant_id=db.session.query(Participant).first().id,
            dots=2))
        db.session.commit()
    document = Document(io.BytesIO(export(app, workshop.id, "docx")))
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    num_ids = {p._p.pPr.numPr.numId.val for p in numbered}
    assert len(num_ids) == 2, "each ranking is its own list, numbered from 1"


@one_database  # rendering a file, not a query: one database
def test_odt_has_outline_levels_heading_styles_and_language(app, rich):
    from odf.namespaces import DCNS, STYLENS
    from odf.opendocument import load
    document = load(io.BytesIO(export(app, rich.id, "odt")))
    blocks = blocks_from_odt(export(app, rich.id, "odt"))
    assert {b[1] for b in blocks if b[0] == "h" and b[1]} == {1, 2, 3}
    named = {s.getAttribute("name"): s for s in document.styles.childNodes if s.qname == (STYLENS, "style")}
    assert named["Heading_20_1"].getAttribute("defaultoutlinelevel") == "1"
    assert named["Heading_20_2"].getAttribute("displayname") == "Heading 2"
    assert "Title" in named
    xml = document.stylesxml()
    assert 'fo:language="nb"' in xml and 'fo:country="NO"' in xml
    meta = {n.qname[1]: str(n) for n in document.meta.childNodes if n.qname[0] == DCNS}
    assert meta["title"] == "Kafédialog på Ål" and meta["language"] == "nb-NO"


@one_database  # rendering a file, not a query: one database
def test_odt_action_table_repeats_its_header_and_draws_single_borders(app, rich):
    """The header row repeats on every page; neighbouring cells share one border line, not two."""
    with zipfile.ZipFile(io.BytesIO(export(app, rich.id, "odt"))) as archive:
        content = archive.read("content.xml").decode("utf-8")
    table_style = re.search(r'<style:style [^>]*style:name="ActionTable".*?</style:style>', content).group(0)
    assert 'table:border-model="collapsing"' in table_style
    header = re.search(r"<table:table-header-rows>(.*?)</table:table-header-rows>", content).group(1)
    assert header.count("<table:table-row") == 1 and "Servicetorget i Ål" not in header
    assert "Servicetorget i Ål" in content.split("</table:table-header-rows>")[1]


@one_database  # rendering a file, not a query: one database
def test_pdf_is_tagged_searchable_numbered_and_in_the_workshops_language(app, rich, tmp_path):
    data = export(app, rich.id, "pdf")
    assert data.startswith(b"%PDF-")
    text = pdf_text(data, tmp_path)
    assert "Kafédialog på Ål" in text and "Bærekraftig dugnad på grendehuset" in text
    assert re.search(r"^1 ?/ ?\d+$", text, re.M), "page numbers from the @page counter"
    path = tmp_path / "minutes.pdf"
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Tagged:\s+yes", info) and re.search(r"Title:\s+Kafédialog på Ål", info)
    from weasyprint import HTML
    from facilitator.exporters.html import render_html
    with app.app_context():
        source = render_html(compile_minutes(db.session.get(Workshop, rich.id)))
        assert '<html lang="nb">' in source
        raw = HTML(string=source).write_pdf(uncompressed_pdf=True, finisher=claim_pdf_ua, **PDF_OPTIONS)
    assert b"/Lang (nb)" in raw


@one_database  # rendering a file, not a query: one database
def test_pdf_is_archival_pdf_a_2a_and_claims_pdf_ua_1(app, rich, tmp_path):
    """What a municipal archive takes (PDF/A) and what a screen reader needs (PDF/UA), in one file."""
    path = tmp_path / "minutes.pdf"
    path.write_bytes(export(app, rich.id, "pdf"))
    if not shutil.which("pdfinfo"):
        require_or_skip("pdfinfo is not installed (Debian's poppler-utils)")
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert xmp.count("<rdf:RDF") == 1, "one RDF in the XMP packet"
    assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="A"' in xmp
    assert 'pdfuaid:part="1"' in xmp and 'xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"' in xmp
    # PDF/A-2 takes a property outside its own schemas only with a description of it in the packet.
    from xml.etree import ElementTree
    start, end = xmp.index("<x:xmpmeta"), xmp.index("</x:xmpmeta>") + len("</x:xmpmeta>")
    packet = ElementTree.fromstring(xmp[start:end])  # noqa: S314 - our own PDF's metadata
    schema = "{http://www.aiim.org/pdfa/ns/schema#}"
    described = {(li.findtext(f"{schema}prefix"), li.findtext(f"{schema}namespaceURI"))
                 for li in packet.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}li")
                 if li.find(f"{schema}prefix") is not None}
    assert described == {("pdfuaid", "http://www.aiim.org/pdfua/ns/id/")}
    assert "<rdf:li xml:lang=\"x-default\">Kafédialog på Ål · Referat</rdf:li>" in xmp
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in rows), f"every font embedded:\n{fonts}"
    from weasyprint import HTML
    from facilitator.exporters.html import render_html
    with app.app_context():
        source = render_html(compile_minutes(db.session.get(Workshop, rich.id)))
    raw = HTML(string=source).write_pdf(uncompressed_pdf=True, finisher=claim_pdf_ua, **PDF_OPTIONS)
    assert b"/OutputIntents" in raw and b"/GTS_PDFA1" in raw, "an sRGB output intent"
    assert re.search(rb"/ID \[\(\w+\) \(\w+\)\]", raw), "a file identifier"
    assert b"/DisplayDocTitle true" in raw and b"/Marked true" in raw
    assert raw.count(b"/Type /Metadata") == 1


def long_minutes(entries: int):
    from facilitator.services.minutes import Minutes, MinutesItem, MinutesQuestion
    texts = [f"Forslag nr. {n} om bærekraft på Ål" for n in range(1, entries + 1)]
    items = [MinutesItem(id=n, text=text, original_text=text, status="visible", votes=n % 3)
             for n, text in enumerate(texts, start=1)]
    ranking = sorted(((i.text, i.votes) for i in items), key=lambda pair: -pair[1])[:2]
    return Minutes(language="nb", title="Stor samling på Røros", date=date(2024, 3, 14), start_time=None,
                   end_time=None, place="Røros", theme="Tilflytting", participant_count=400, program="",
                   opening_text="", closing_text="", signature="",
                   questions=[MinutesQuestion(1, Q1, texts, items, ranking)])


def list_tags(source: str) -> Counter:
    from weasyprint import HTML
    raw = HTML(string=source).write_pdf(uncompressed_pdf=True, **PDF_OPTIONS)
    return Counter(re.findall(rb"/S /(LI|Lbl)\b", raw))


def test_long_pdf_is_compact_but_keeps_every_item_tagged_and_the_ranking_numbered(tmp_path):
    """A big workshop's lists lose their bullet boxes (most of WeasyPrint's time), not their structure."""
    from facilitator import create_app
    from facilitator.infra.config import TestConfig
    from facilitator.exporters.html import COMPACT_FROM, render_html
    from facilitator.exporters.pdf import render_pdf
    with create_app(TestConfig).app_context():
        assert '<article class="minutes">' in render_html(long_minutes(3))
        minutes = long_minutes(COMPACT_FROM - 2)
        source = render_html(minutes)
        data = render_pdf(minutes)
    assert '<article class="minutes compact">' in source
    compact, bulleted = list_tags(source), list_tags(source.replace('"minutes compact"', '"minutes"'))
    assert compact[b"LI"] == bulleted[b"LI"] > COMPACT_FROM, "every entry is still a list item"
    assert compact[b"Lbl"] == 2 and bulleted[b"Lbl"] == COMPACT_FROM, "only the ranking keeps labels"
    text = pdf_text(data, tmp_path)
    assert all(f"Forslag nr. {n} om bærekraft på Ål" in text for n in (1, 150, COMPACT_FROM - 2))
    assert re.search(r"^1\. Forslag nr\. 2 om", text, re.M) and re.search(r"^1 ?/ ?\d+$", text, re.M)


@one_database  # rendering a file, not a query: one database
def test_pdf_never_fetches_a_url(app):
    from facilitator.exporters.pdf import RefusingFetcher
    fetcher = RefusingFetcher()
    for url in ("http://127.0.0.1:9/x.png", "https://example.org/a.css", "file:///etc/passwd",
                "ftp://example.org/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


@one_database  # rendering a file, not a query: one database
def test_pdf_ignores_markup_and_urls_typed_by_participants(app, facilitator, tmp_path):
    from facilitator.exporters.pdf import render_pdf
    workshop = make_rich_workshop(app, facilitator.id)
    with app.app_context():
        suggestion = db.session.query(Suggestion).filter_by(workshop_id=workshop.id).first()
        suggestion.text = '<img src="http://127.0.0.1:9/track.png"><link rel=stylesheet href="file:///etc/x">'
        db.session.commit()
        minutes = compile_minutes(db.session.get(Workshop, workshop.id))
    with app.app_context():
        text = flat(pdf_text(render_pdf(minutes), tmp_path))
    assert '<img src="http://127.0.0.1:9/track.png">' in text


# -- raw data ------------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.invalid","klikk her")', "+47 999 99 999 (ring oss)",
            "-Ungdomsråd med egen økonomi", "@Snapchat-konto for kommunen", "\tTab først, så tekst"]


def test_csv_opens_in_nordic_excel_and_neutralises_formulas(app, rich):
    data = export(app, rich.id, "csv")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(header) == 10 and len(body) == len(SUGGESTIONS)
    by_text = {row[3].lstrip("'"): row for row in body}
    for text in FORMULAS:
        assert by_text[text][3] == "'" + text
    row = by_text["Velkomstpakke med kart over Ål"]
    assert row[0] == Q1 and row[1] == "1 · Næringsliv" and row[2] == "1" and row[4] == "velkomstpakke m/kart over Ål"
    assert row[6] == "6" and row[7] == "Møteplasser" and row[8] == "Lage velkomstpakke"  # 5 + 1 merged
    # 17:05 UTC is 18:05 in Oslo in March.
    assert row[9] == "2024-03-14 18:05:00"
    assert {r[5] for r in body} >= {"visible", "hidden"} or {r[5] for r in body} >= {"synlig", "skjult"}
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for r in body for cell in r)


def test_xlsx_keeps_text_as_text_and_times_as_times(app, rich):
    from openpyxl import load_workbook
    data = export(app, rich.id, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=False))
    assert len(rows) == len(SUGGESTIONS) + 1
    cells = {row[3].value: row for row in rows[1:]}
    for text in FORMULAS:
        cell = cells[text][3]
        assert cell.data_type == "s" and cell.quotePrefix, text
    assert cells["Velkomstpakke med kart over Ål"][9].value == datetime(2024, 3, 14, 18, 5)
    assert cells["Velkomstpakke med kart over Ål"][6].value == 6
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


# -- downloads over HTTP ---------------------------------------------------------------------------

MIMETYPES = {"md": "text/markdown", "html": "text/html", "pdf": "application/pdf", "csv": "text/csv",
             "json": "application/json", "odt": "application/vnd.oasis.opendocument.text",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@one_database  # rendering a file, not a query: one database
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_download_has_type_name_and_no_caching(app, logged_in, facilitator, fmt):
    workshop = make_rich_workshop(app, facilitator.id, title="Møte på Tromsø")
    response = logged_in.get(f"/export/{workshop.id}/minutes.{fmt}?download=1")
    assert response.status_code == 200 and response.mimetype == MIMETYPES[fmt]
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"mote-pa-tromso-2024-03-14.{fmt}\"; "
        f"filename*=UTF-8''m%C3%B8te-p%C3%A5-troms%C3%B8-2024-03-14.{fmt}")
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.data) > 200


def test_downloads_belong_to_the_workshops_facilitators(app, client, rich):
    other = make_facilitator(app, "other@example.org", "Other")
    from support.forms import Browser
    from support.factories import PASSWORD
    browser = Browser(client)
    browser.submit("/auth/login", data={"email": other.email, "password": PASSWORD})
    assert client.get(f"/export/{rich.id}/minutes.pdf").status_code == 404
    assert client.get(f"/export/{rich.id}/minutes.exe").status_code == 404


# -- CLI --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "xlsx", "json"])
def test_cli_writes_every_format(app, runner, rich, fmt, tmp_path):
    target = tmp_path / f"out.{fmt}"
    result = runner.invoke(args=["minutes", rich.join_code, "--format", fmt, "--output", str(target)])
    assert result.exit_code == 0, result.output
    written, expected = target.read_bytes(), export(app, rich.id, fmt)
    if fmt == "json":
        written, expected = (re.sub(rb'"exported_at": "[^"]+"', b"", d) for d in (written, expected.encode()))
    if fmt == "docx":
        written, expected = blocks_from_docx(written), blocks_from_docx(expected)
    if fmt == "xlsx":
        from openpyxl import load_workbook
        written, expected = ([list(r) for r in load_workbook(io.BytesIO(d)).active.iter_rows(values_only=True)]
                             for d in (written, expected))
    assert written == expected


@one_database  # rendering a file, not a query: one database
def test_cli_writes_binary_to_a_pipe(app, runner, rich):
    result = runner.invoke(args=["minutes", rich.join_code, "--format", "pdf"])
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"%PDF-")


# -- the minutes editor -------------------------------------------------------------------------------

def test_editor_saves_the_choices_and_previews_live(app, logged_in, facilitator):
    from support.forms import csrf_token_in
    workshop = make_rich_workshop(app, facilitator.id)
    url = f"/host/workshops/{workshop.id}/minutes"
    page = logged_in.get(url).get_data(as_text=True)
    assert 'hx-trigger="input changed delay:500ms, change"' in page
    assert f'hx-post="/host/workshops/{workshop.id}/minutes/preview"' in page
    for fmt in FORMATS:
        assert f"/export/{workshop.id}/minutes.{fmt}" in page
    assert '<input checked id="include_per_table" name="include_per_table" type="checkbox"' in page
    form = {"csrf_token": csrf_token_in(page), "opening_text": "Ny innledning om Ål", "closing_text": "",
            "signature": "Åse", "participant_count": "", "base_revision": "1", "choices_shown": "1",
            "include_votes": "y", "include_actions": "y"}
    preview = logged_in.client.post(url + "/preview", data=form, headers={"HX-Request": "true"})
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and body.startswith("<") and "<html" not in body
    assert "Ny innledning om Ål" in body and "Handlingsplan" in body or "Action plan" in body
    assert "Næringsliv" not in body and "Dette ble skjult" not in body
    with app.app_context():
        assert db.session.get(Workshop, workshop.id).minutes_revisions[-1].number == 1  # nothing saved
    assert logged_in.client.post(url, data=form).status_code == 303
    with app.app_context():
        minutes = compile_minutes(db.session.get(Workshop, workshop.id))
    assert minutes.revision == 2 and minutes.opening_text == "Ny innledning om Ål"
    assert minutes.options == MinutesOptions(program=False, per_table=False, hidden=False, votes=True,
                                             themes=False, actions=True, facilitators=False,
                                             participant_count=False, photos=False)


def test_preview_button_works_without_javascript(app, logged_in, facilitator):
    from support.forms import csrf_token_in
    workshop = make_rich_workshop(app, facilitator.id)
    url = f"/host/workshops/{workshop.id}/minutes"
    page = logged_in.get(url).get_data(as_text=True)
    response = logged_in.client.post(url, data={
        "csrf_token": csrf_token_in(page), "opening_text": "Bare en forhåndsvisning", "base_revision": "1",
        "choices_shown": "1", "preview": "Preview"})
    assert response.status_code == 200
    assert "Bare en forhåndsvisning" in response.get_data(as_text=True)
    with app.app_context():
        assert compile_minutes(db.session.get(Workshop, workshop.id)).revision == 1


# -- the demo (seed 000) in every format, and what it looks like ------------------------------------

def demo_workshop(app, runner):
    result = runner.invoke(args=["demo"])
    code = result.output.strip().splitlines()[-1]
    with app.app_context():
        return db.session.query(Workshop).filter_by(join_code=code).one().id


def seed_sections():
    from test_minutes import seed_000, seed_questions
    return seed_questions(seed_000())


@pytest.mark.parametrize("fmt", ["md", "html", "docx", "odt"])
def test_demo_reproduces_seed_000_in_every_document(app, runner, fmt):
    workshop_id = demo_workshop(app, runner)
    blocks = read_blocks(fmt, export(app, workshop_id, fmt))
    assert blocks[0] == ("h", 0, "Regional samling for servicetorga i Hallingdal")
    text = " ".join(b[2] for b in blocks)
    assert "13. april 2010" in text and "Tilflytting" in text and "36" in text
    for question, suggestions in seed_sections():
        section = under_heading(blocks, question)
        assert section[0][2] == "Forslag:"
        assert main_list(section) == suggestions


@one_database  # rendering a file, not a query: one database
def test_demo_pdf_lists_the_seeds_suggestions_in_order(app, runner, tmp_path):
    text = flat(pdf_text(export(app, demo_workshop(app, runner), "pdf"), tmp_path))
    position = 0
    for question, suggestions in seed_sections():
        position = text.index(flat(question), position)
        for suggestion in ["Forslag:", *suggestions]:
            position = text.index(flat(suggestion), position) + 1
    assert text.index("Med vennlig hilsen") > position


@one_database  # rendering a file, not a query: one database
def test_office_files_open_in_libreoffice_and_pages_look_right(app, runner, facilitator):
    """Converts the demo's and the café's DOCX and ODT in one LibreOffice run; the PNG pages
    (with the app's own PDFs) land in tests/artifacts/exports/ to be looked at."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if not office:
        require_or_skip("LibreOffice is not installed (Debian's libreoffice-writer-nogui)")
    if not shutil.which("pdftoppm"):
        require_or_skip("pdftoppm is not installed (Debian's poppler-utils)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    sources = {"seed000": demo_workshop(app, runner), "cafe": make_rich_workshop(app, facilitator.id).id}
    inputs = []
    for name, workshop_id in sources.items():
        for fmt in ("docx", "odt", "pdf"):
            path = ARTIFACTS / f"{name}-{fmt}.{fmt}"
            path.write_bytes(export(app, workshop_id, fmt))
            if fmt != "pdf":
                inputs.append(path)
    profile = ARTIFACTS.parent / "libreoffice-profile"
    converted = ARTIFACTS / "converted"
    result = subprocess.run([office, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
                             "--convert-to", "pdf", "--outdir", str(converted), *map(str, inputs)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for path in inputs:
        pdf = converted / f"{path.stem}.pdf"
        assert pdf.exists() and pdf.stat().st_size > 1000, result.stdout + result.stderr
        words = flat(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout)
        assert ("Server en kopp kaffe" if path.stem.startswith("seed") else "Bærekraftig dugnad") in words
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / f"{path.stem}-lo")], check=True)
    for name in sources:
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(ARTIFACTS / f"{name}-pdf.pdf"),
                        str(ARTIFACTS / f"{name}-app")], check=True)
    assert len(list(ARTIFACTS.glob("*.png"))) >= 8
