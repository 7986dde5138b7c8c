"""The ODT exporter's library: odfpy (what the app uses) against odfdo, on the same minutes.

    .venv/bin/pip install odfdo==3.27.3                     # the candidate; not a dependency of the app
    .venv/bin/python -m bench.odt_library                   # 2,000 suggestions, best of 7
    .venv/bin/python -m bench.odt_library --suggestions 500 --repeat 5

Builds the workshop of bench/exports.py (seed 000 scaled up), compiles its minutes once, then
writes them as ODT with the app's exporter (odfpy) and with the same exporter written against
odfdo (below: the same styles, headings, lists, table, page and metadata), the two taking turns
so that both share whatever else the machine is doing. Also: whether both documents hold the
same text, their sizes, each library's import time in a fresh interpreter and its installed
size. Writes bench/results/odt_library.{md,json}.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from importlib import metadata
from pathlib import Path

from bench.exports import RESULTS, build_workshop, compile_seconds, make_app

LIBRARIES = {"odfpy": "odf.opendocument", "odfdo": "odfdo"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suggestions", type=int, default=2000, help="suggestions in the workshop")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each library (after a warm-up)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for odt_library.{md,json}")
    return parser.parse_args(argv)


# --- the candidate: the app's ODT exporter written against odfdo ---------------------------


def odfdo_paragraph_style(name, display=None, parent="Standard", kind=None, paragraph=None, text=None,
                          attributes=None):
    """A common paragraph style; ``kind`` is its style:class, ``attributes`` further style:* ones."""
    from odfdo import Style
    style = Style("paragraph", name=name, display_name=display, parent_style=parent)
    for key, value in {"style:class": kind, **(attributes or {})}.items():
        if value:
            style.set_attribute(key, value)
    if paragraph:
        style.set_properties(paragraph, area="paragraph")
    if text:
        style.set_properties(text, area="text")
    return style


def odfdo_styles(language: str, country: str) -> list:
    from facilitator.exporters.odt import SERIF
    style = odfdo_paragraph_style
    return [
        style("Standard", parent=None, kind="text", paragraph={"fo:margin-bottom": "0.2cm"},
              text={"fo:font-family": SERIF, "fo:font-size": "11pt", "fo:language": language,
                    "fo:country": country}),
        style("Heading", kind="text", attributes={"style:next-style-name": "Text_20_body"},
              paragraph={"fo:margin-top": "0.42cm", "fo:margin-bottom": "0.21cm", "fo:keep-with-next": "always"},
              text={"fo:font-family": SERIF, "fo:font-weight": "bold"}),
        style("Text_20_body", "Text body", kind="text"),
        style("Title", "Title", parent="Heading", kind="chapter", text={"fo:font-size": "20pt",
                                                                       "fo:font-weight": "bold"}),
        *(style(f"Heading_20_{level}", f"Heading {level}", parent="Heading", kind="text",
                attributes={"style:default-outline-level": str(level)},
                text={"fo:font-size": size, "fo:font-weight": "bold",
                      "fo:font-style": "italic" if level == 3 else "normal"})
          for level, size in ((1, "15pt"), (2, "13pt"), (3, "11.5pt"))),
        *(style(name, display, kind="list", paragraph={"fo:margin-bottom": "0.08cm"})
          for name, display in (("List_20_Bullet", "List Bullet"), ("List_20_Number", "List Number"))),
        style("Label", "Label", paragraph={"fo:keep-with-next": "always", "fo:margin-bottom": "0.08cm"}),
        style("Signature", "Signature", paragraph={"fo:margin-top": "0.5cm"}),
        style("Footer", "Footer", kind="extra", paragraph={"fo:text-align": "center"}, text={"fo:font-size": "9pt"}),
        style("Table_20_Contents", "Table Contents", kind="extra"),
        style("Table_20_Heading", "Table Heading", parent="Table_20_Contents", kind="extra",
              text={"fo:font-weight": "bold"}),
        style("Facts", "Facts", paragraph={"fo:margin-bottom": "0cm"}),
    ]


def odfdo_list_style(name: str, level_tag: str, marks: dict[str, str], label_width: str):
    from odfdo import Element, Style
    style, level = Style("list", name=name), Element.from_tag(level_tag)
    for key, value in {"text:level": "1", **marks}.items():
        level.set_attribute(key, value)
    properties = Element.from_tag("style:list-level-properties")
    properties.set_attribute("text:space-before", "0.3cm")
    properties.set_attribute("text:min-label-width", label_width)
    level.append(properties)
    style.append(level)
    return style


def odfdo_automatic_styles() -> list:
    from odfdo import Style
    from facilitator.exporters.odt import COLUMN_WIDTHS_CM
    return [
        Style("text", name="Strong", bold=True), Style("text", name="Emphasis", italic=True),
        Style("table", name="ActionTable", width="17cm", align="left"),
        *(Style("table-column", name=f"ActionColumn{n}", width=f"{width}cm")
          for n, width in enumerate(COLUMN_WIDTHS_CM, start=1)),
        Style("table-cell", name="ActionCell", border="0.5pt solid #999999", padding="0.1cm"),
        odfdo_list_style("Bullets", "text:list-level-style-bullet", {"text:bullet-char": "•"}, "0.5cm"),
        odfdo_list_style("Numbers", "text:list-level-style-number",
                         {"style:num-format": "1", "style:num-suffix": "."}, "0.6cm"),
    ]


def odfdo_document(minutes, label: dict[str, str]):
    """odfdo's text template, emptied of what describes the template, with the app's styles and page."""
    from odfdo import Document, Paragraph, Style, StyleFooter, StyleMasterPage, StylePageLayout, VarPageNumber
    from facilitator.exporters.docx import language_tag
    from facilitator.exporters.odt import SERIF
    document = Document("text")
    document.body.clear()
    document.delete_styles()
    for graphic in document.styles.get_elements("//style:default-style[@style:family='graphic']"):
        graphic.delete()  # French, in Liberation Serif
    document.settings.get_element("office:settings").clear()
    document.del_part("Thumbnails/thumbnail.png")
    document.manifest.del_full_path("Thumbnails/thumbnail.png")
    meta = document.meta
    for stale in ("creation-date", "document-statistic", "editing-duration", "editing-cycles"):
        for element in meta.get_elements(f"//meta:{stale}"):
            element.delete()
    meta.set_title(minutes.title)
    meta.set_language(language_tag(minutes.language))
    if minutes.theme:
        meta.set_subject(minutes.theme)
    if minutes.signature.strip():
        meta.set_initial_creator(minutes.signature.strip().split("\n")[0])
    meta.set_keywords(label["minutes"])
    language, _, country = language_tag(minutes.language).partition("-")
    document.insert_style(Style("paragraph", area="text", **{
        "style:font-name": SERIF, "fo:font-family": SERIF, "fo:font-size": "11pt", "fo:language": language,
        "fo:country": country}), default=True)
    for style in odfdo_styles(language, country):
        document.insert_style(style)
    for style in odfdo_automatic_styles():
        document.insert_style(style, automatic=True)
    layout = StylePageLayout(name="A4")
    layout.set_properties({"fo:page-width": "21cm", "fo:page-height": "29.7cm", "fo:margin-top": "2cm",
                           "fo:margin-bottom": "1.6cm", "fo:margin-left": "2cm", "fo:margin-right": "2cm",
                           "style:print-orientation": "portrait"})
    document.insert_style(layout, automatic=True)
    master, footer, number = StyleMasterPage(name="Standard", page_layout="A4"), StyleFooter(), Paragraph(style="Footer")
    page = VarPageNumber(select_page="current")
    page.text = "1"
    number.append(page)
    footer.append(number)
    master.append(footer)
    document.insert_style(master)
    return document


def odfdo_block(block) -> list:
    """The body elements of one outline block."""
    from odfdo import Cell, Column, Header, HeaderRows, List, ListItem, Paragraph, Row, Span, Table
    from facilitator.exporters.odt import COLUMN_WIDTHS_CM
    if block.kind == "heading":
        level = min(block.level, 3)
        heading = Header(level, block.text)
        heading.style = f"Heading_20_{level}"  # Header() takes a style argument but does not set it
        return [heading]
    if block.kind == "paragraph":
        style = {"label": "Label", "signature": "Signature"}.get(block.role, "Standard")
        return [Paragraph(Span(block.text, style="Emphasis"), style=style) if block.role == "empty"
                else Paragraph(block.text, style=style)]
    if block.kind == "facts":
        paragraphs = []
        for n, (name, value) in enumerate(block.rows, start=1):
            paragraph = Paragraph(Span(f"{name}: ", style="Strong"),
                                  style="Standard" if n == len(block.rows) else "Facts")
            paragraph.append_plain_text(value)
            paragraphs.append(paragraph)
        return paragraphs
    if block.kind == "list":
        items, style = List(style="Numbers" if block.ordered else "Bullets"), \
            "List_20_Number" if block.ordered else "List_20_Bullet"
        for entry in block.entries:
            paragraph = Paragraph(entry.text, style=style)
            if entry.note:
                paragraph.append(Span(f" ({entry.note})", style="Emphasis"))
            items.append(ListItem(paragraph))
        return [items]
    table, header = Table(block.caption or "Table", style="ActionTable"), HeaderRows()
    for n in range(1, len(block.header) + 1):
        table.append(Column(style=f"ActionColumn{min(n, len(COLUMN_WIDTHS_CM))}"))
    for values, style, parent in [(block.header, "Table_20_Heading", header),
                                  *((row, "Table_20_Contents", table) for row in block.rows)]:
        row = Row()
        for value in values:
            cell = Cell(cell_type="string", style="ActionCell")
            cell.append(Paragraph(value, style=style))
            row.append(cell)
        parent.append(row)
        if parent is header:
            table.append(header)
    return [table, Paragraph(style="Standard")]


def render_odt_with_odfdo(minutes) -> bytes:
    """The app's ODT minutes, written with odfdo."""
    from flask_babel import force_locale
    from odfdo import Paragraph
    from facilitator.exporters import labels
    from facilitator.exporters.outline import build_outline, flatten
    with force_locale(minutes.language):
        outline = build_outline(minutes)
        document = odfdo_document(minutes, labels())
        document.body.append(Paragraph(outline.title, style="Title"))
        for block in flatten(outline.blocks):
            for element in odfdo_block(block):
                document.body.append(element)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- measuring ---------------------------------------------------------------------------


def words(document: bytes) -> str:
    """The text of content.xml, runs of spaces (text:s) written out, whitespace collapsed."""
    with zipfile.ZipFile(io.BytesIO(document)) as archive:
        content = archive.read("content.xml").decode("utf-8")
    spaced = re.sub(r'<text:s(?: text:c="(\d+)")?/>', lambda m: " " * int(m.group(1) or 1), content)
    return " ".join(re.sub(r"<[^>]+>", " ", spaced).split())


def import_seconds(module: str, repeat: int = 5) -> float:
    """The best of ``repeat`` fresh interpreters importing the library's document module."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return min(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(repeat))


def installed_kib(distribution: str) -> tuple[str, int]:
    """The installed version and size on disk (compiled bytecode left out), in KiB."""
    dist = metadata.distribution(distribution)
    files = [f for f in dist.files or [] if "__pycache__" not in f.parts]
    return dist.version, round(sum(Path(f.locate()).stat().st_size for f in files if Path(f.locate()).exists()) / 1024)


def requirement_names(distribution: str) -> list[str]:
    """What installing the library brings along, by name (versions and markers left out)."""
    return sorted({re.split(r"[<>=!~;\s\[]", requirement, maxsplit=1)[0]
                   for requirement in metadata.requires(distribution) or []})


def compare(minutes, repeat: int) -> dict:
    from facilitator.exporters.odt import render_odt
    renderers = {"odfpy": render_odt, "odfdo": render_odt_with_odfdo}
    documents = {name: render(minutes) for name, render in renderers.items()}  # warm-up
    seconds: dict[str, list[float]] = {name: [] for name in renderers}
    for _ in range(repeat):
        for name, render in renderers.items():
            start = time.perf_counter()
            render(minutes)
            seconds[name].append(time.perf_counter() - start)
    rows = []
    for name, module in LIBRARIES.items():
        version, size = installed_kib(name)
        rows.append({"library": name, "version": version, "best_s": round(min(seconds[name]), 3),
                     "median_s": round(statistics.median(seconds[name]), 3), "bytes": len(documents[name]),
                     "import_s": round(import_seconds(module), 3), "installed_kib": size,
                     "requires": requirement_names(name)})
    return {"rows": rows, "same_text": words(documents["odfpy"]) == words(documents["odfdo"])}


def markdown(results: dict) -> str:
    lines = [f"# The ODT exporter's library: {results['suggestions']} suggestions, best of {results['repeat']}",
             "", "Writing the same compiled minutes (compiling them is not timed), the two libraries taking "
             f"turns. Same text in both documents: {'yes' if results['same_text'] else '**no**'}.", "",
             "| library | version | write s (best) | write s (median) | bytes | import s | installed KiB | needs |",
             "|---|---|--:|--:|--:|--:|--:|---|"]
    for row in results["rows"]:
        lines.append(f"| {row['library']} | {row['version']} | {row['best_s']:.3f} | {row['median_s']:.3f} | "
                     f"{row['bytes']} | {row['import_s']:.3f} | {row['installed_kib']} | "
                     f"{', '.join(row['requires']) or '–'} |")
    lines += ["", f"Compiling the minutes from the database, which a download adds to either row: "
              f"{results['compile_s']:.3f} s."]
    lines += ["", f"Machine load (1 min) at the start: {results['load']}; the whole run {results['seconds']} s."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        import odfdo  # noqa: F401
    except ImportError:
        sys.exit("odfdo is not installed: .venv/bin/pip install odfdo==3.27.3")
    import os
    started = time.perf_counter()
    results = {"suggestions": args.suggestions, "repeat": args.repeat, "load": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(prefix="bench-odt-") as folder:
        app = make_app(Path(folder))
        with app.app_context():
            from facilitator.infra.extensions import db
            from facilitator.models import Workshop
            from facilitator.services.minutes import compile_minutes
            print(f"building a workshop of {args.suggestions} suggestions…", flush=True)
            workshop = db.session.get(Workshop, build_workshop(args.suggestions))
            results["compile_s"] = compile_seconds(workshop, args.repeat)
            results.update(compare(compile_minutes(workshop), args.repeat))
            db.session.remove()
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "odt_library.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    (args.out / "odt_library.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
