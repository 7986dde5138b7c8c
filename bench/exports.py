"""How long a large workshop takes to export, format by format, next to the bare library.

    .venv/bin/python -m bench.exports                      # 2,000 suggestions, best of 3
    .venv/bin/python -m bench.exports --suggestions 500 --repeat 5

Builds seed 000 scaled up (two questions, six tables, two rounds, dots on the first
question, themes on the second, merged duplicates, follow-up actions) in a temporary
SQLite database through the app's own services, then times ``export_document`` for
every format in-process, and in the same run the bare library writing the same text
with no styling and no options. Writes bench/results/exports.{md,json,png}. No
network; the database and every file but the results live in a temporary folder.
"""
from __future__ import annotations

import argparse
import csv
import html
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
FORMAT_ORDER = ["md", "html", "pdf", "docx", "odt", "csv", "xlsx", "json"]
ROW_KEYS = ["format", "suggestions", "app_s", "baseline_s", "ratio", "bytes", "pages"]
TARGET_S = 2.0

# Phrases of the seed's kind, recombined so that every suggestion reads like one and few repeat.
OPENERS = [
    "Gi litt mer enn forventet", "Smil høres i telefonen", "Holde det du lover", "Avklare forventninger",
    "Kunden må bli sett og hørt", "Svar ved første henvendelse", "Rask tilbakemelding",
    "Løse spørsmålet der og da", "Server en kopp kaffe", "Gjøre et bra førsteinntrykk",
    "Formidle stolthet over kommunen vår", "Være ambassadører for regionen", "Velkomstpakke",
    "Jevnlige innflytter-møter", "Innflytterfadder", "Praktisk assistanse", "Oppfølging av tilflyttere",
    "Etablere «treff-punkt» for nettverk", "Invitere til dugnad", "Info om tilbud og aktiviteter",
    "Bedre skilting på servicetorget", "Kortere ventetid på telefon", "Åpent på kveldstid én dag i uka",
    "Felles kalender for lag og foreninger", "Kurs i klarspråk for de ansatte",
]
QUALIFIERS = [
    "", "", "", " for eldre", " for småbarnsfamilier", " på nynorsk og bokmål", " også på engelsk",
    " sammen med frivillige", " i samarbeid med nabokommunene", " før sommeren", " hver høst",
    " på Ål og Gol", " i Hemsedal og Hol", " – gjerne med lokalmat", " via Facebook og nettsida",
    " uten å sende folk videre", " med tydelig ansvar", " – også for hytteeiere",
]
TAILS = [
    "", "", "", "", ". Det gjør at folk føler seg velkomne", ". Små ting betyr mye for førsteinntrykket",
    ". Må følges opp av rådmannen", ". Kan prøves ut i én kommune først", ". Kostnaden er liten",
    ". Tilflyttere nevner dette ofte i spørreundersøkelser", ". Krever at vi deler kunnskap på tvers",
]
THEME_NAMES = ["Velkomst", "Møteplasser og nettverk", "Oppfølging", "Informasjon", "Tilgjengelighet",
               "Samarbeid på tvers"]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suggestions", type=int, default=2000, help="suggestions in the workshop")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each format (after one warm-up)")
    parser.add_argument("--formats", default=",".join(FORMAT_ORDER), help="comma-separated subset")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for exports.{md,json,png}")
    return parser.parse_args(argv)


# --- the workshop -----------------------------------------------------------------------


def make_app(folder: Path):
    """The app on a fresh SQLite file, migrated. DATABASE_URL is read when the config is imported."""
    url = f"sqlite:///{folder / 'exports.sqlite3'}"
    os.environ.update(DATABASE_URL=url, SOCKETIO_ASYNC_MODE="threading")
    from flask_migrate import upgrade
    from facilitator import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SOCKETIO_ASYNC_MODE": "threading", "REDIS_URL": None})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def suggestion_text(rng: random.Random) -> str:
    return rng.choice(OPENERS) + rng.choice(QUALIFIERS) + rng.choice(TAILS)


def build_workshop(count: int, seed: int = 0) -> int:
    """Seed 000 scaled up to ``count`` suggestions, made as the console and the phones make it."""
    from facilitator.services import demo
    from facilitator.infra.extensions import db
    from facilitator.services.minutes import MinutesEdit, save_minutes
    from facilitator.services.participants import join_workshop
    from facilitator.services.tables import seat, set_role, set_table_count, update_table
    from facilitator.services.workshops import change_status, create_workshop

    rng = random.Random(seed)
    facilitator, _password = demo.demo_facilitator()
    workshop = create_workshop(facilitator, demo.DETAILS, [text for text, _ in demo.QUESTIONS])
    change_status(workshop, "live")
    set_table_count(facilitator, workshop, len(demo.TABLES))
    for table, name in zip(workshop.tables, demo.TABLES, strict=True):
        update_table(facilitator, table, name, None)
    people = max(demo.PARTICIPANTS, count // 5)
    participants = [join_workshop(workshop) for _ in range(people)]
    for index, person in enumerate(participants):
        seat(person, workshop.tables[index % len(demo.TABLES)])
        if index < len(demo.TABLES):
            set_role(person, "host")
    by_question = send_suggestions(facilitator, workshop, participants, count, rng)
    merge_duplicates(facilitator, by_question[0], count // 36, rng)
    vote(facilitator, workshop.questions[0], participants, by_question[0], rng)
    group_in_themes(facilitator, workshop, by_question[1], rng)
    add_actions(facilitator, workshop, by_question, max(1, count // 40), rng)
    save_minutes(workshop, facilitator,
                 MinutesEdit(demo.OPENING, demo.CLOSING, demo.SIGNATURE, people), 0)
    db.session.commit()
    return workshop.id


def send_suggestions(facilitator, workshop, participants, count, rng) -> list[list]:
    """Half the suggestions to each question, one round each, from the phones in turn."""
    from facilitator.services.demo import ROUND_STARTS
    from facilitator.services.rounds import start_round
    from facilitator.services.suggestions import submit_suggestion
    by_question = []
    for number, question in enumerate(workshop.questions):
        start_round(facilitator, workshop, 45, question, now=ROUND_STARTS[number])
        share = count // 2 if number == 0 else count - count // 2
        sent = [submit_suggestion(participants[(i + number) % len(participants)], question,
                                  suggestion_text(rng))[0] for i in range(share)]
        by_question.append(sent)
    for question in workshop.questions:
        question.is_open = question is workshop.questions[0]
    return by_question


def merge_duplicates(facilitator, suggestions, count, rng) -> None:
    from facilitator.services.moderation import merge
    sources = rng.sample(suggestions[1:], min(count, len(suggestions) - 1))
    for source in sources:
        target = suggestions[0] if source is suggestions[0] else rng.choice(suggestions[:20])
        if target is not source and target.status != "merged":
            merge(facilitator, source, target)


def vote(facilitator, question, participants, suggestions, rng) -> None:
    """Three dots from each phone, on the third of the suggestions the room liked (as in the seed)."""
    from facilitator.services.voting import close_voting, open_voting, set_dots
    liked = [s for s in suggestions if s.status == "visible"][: max(6, len(suggestions) // 3)]
    open_voting(facilitator, question)
    for person in participants:
        for suggestion in rng.sample(liked, min(3, len(liked))):
            set_dots(person, suggestion, 1)
    close_voting(facilitator, question)


def group_in_themes(facilitator, workshop, suggestions, rng) -> None:
    """Most of the second question's suggestions in a handful of themes (11 of 19 in the seed)."""
    from facilitator.services.themes import assign_theme, create_theme
    themes = [create_theme(facilitator, workshop, name, workshop.questions[1]) for name in THEME_NAMES]
    for suggestion in suggestions:
        if rng.random() < 0.58:
            assign_theme(facilitator, suggestion, rng.choice(themes))


def add_actions(facilitator, workshop, by_question, count, rng) -> None:
    from facilitator.services.themes import create_action
    owners = ["Faggruppa servicetorg", "Rådmannen i Ål", "Regionrådet", "Servicetorget i Gol", ""]
    for index in range(count):
        source = rng.choice(by_question[index % 2])
        due = date(2010, 9, 1) + timedelta(days=14 * (index % 12))
        create_action(facilitator, workshop, f"Følge opp: {source.text}"[:1000], rng.choice(owners),
                      due, suggestion=source)


# --- the baselines: the bare library, the same text, no styling ---------------------------


def content(minutes) -> tuple[str, list[tuple[str, str]]]:
    """The document's text as (kind, text) pairs: what every document format shows."""
    from flask_babel import force_locale
    from facilitator.exporters.outline import build_outline, flatten
    with force_locale(minutes.language):
        outline = build_outline(minutes)
    pairs = []
    for block in flatten(outline.blocks):
        if block.kind == "heading":
            pairs.append(("heading", block.text))
        elif block.kind == "paragraph":
            pairs.append(("paragraph", block.text))
        elif block.kind == "facts":
            pairs += [("paragraph", f"{name}: {value}") for name, value in block.rows]
        elif block.kind == "list":
            pairs += [("item", f"{e.text} ({e.note})" if e.note else e.text) for e in block.entries]
        elif block.kind == "table":
            pairs += [("item", " · ".join(row)) for row in block.rows]
    return outline.title, pairs


def bare_markdown(title, pairs) -> bytes:
    marks = {"heading": "## ", "item": "- ", "paragraph": ""}
    return ("# " + title + "\n\n" + "\n".join(marks[kind] + text for kind, text in pairs)).encode()


def bare_html(title, pairs) -> str:
    tags = {"heading": "h2", "item": "li", "paragraph": "p"}
    body = "".join(f"<{tags[kind]}>{html.escape(text)}</{tags[kind]}>" for kind, text in pairs)
    return f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title></head>" \
           f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"


def bare_pdf(title, pairs) -> bytes:
    from weasyprint import HTML
    return HTML(string=bare_html(title, pairs)).write_pdf()


def bare_docx(title, pairs) -> bytes:
    from docx import Document
    document = Document()
    styles = {"heading": document.styles["Heading 1"], "item": document.styles["List Bullet"],
              "paragraph": document.styles["Normal"]}
    document.add_paragraph(title, style=document.styles["Title"])
    for kind, text in pairs:
        document.add_paragraph(text, style=styles[kind])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def bare_odt(title, pairs) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P
    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text=title))
    for kind, text in pairs:
        document.text.addElement(H(outlinelevel=2, text=text) if kind == "heading" else P(text=text))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def bare_csv(rows) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(rows)
    return buffer.getvalue().encode()


def bare_xlsx(rows) -> bytes:
    from openpyxl import Workbook
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Forslag")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def baselines(workshop) -> dict:
    """Per format, a function of no arguments that makes the bare document from prepared data."""
    from flask_babel import force_locale
    from facilitator.exporters.tabular import header, rows
    from facilitator.services.minutes import compile_minutes
    from facilitator.exporters.transfer import export_workshop
    minutes = compile_minutes(workshop)
    title, pairs = content(minutes)
    with force_locale(minutes.language):
        table = [header(), *rows(minutes)]
    data = export_workshop(workshop)
    return {"md": lambda: bare_markdown(title, pairs), "html": lambda: bare_html(title, pairs).encode(),
            "pdf": lambda: bare_pdf(title, pairs), "docx": lambda: bare_docx(title, pairs),
            "odt": lambda: bare_odt(title, pairs), "csv": lambda: bare_csv(table),
            "xlsx": lambda: bare_xlsx(table),
            "json": lambda: json.dumps(data, ensure_ascii=False).encode()}


# --- measuring ---------------------------------------------------------------------------


def timed(function, repeat: int) -> tuple[list[float], object]:
    """One warm-up (imports, font cache), then ``repeat`` timed calls; the seconds and the last result."""
    result = function()
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def app_export(workshop, fmt: str):
    """The download as the view makes it; the PDF cache is emptied first, so every run lays out."""
    from facilitator.exporters import pdf
    from facilitator.exporters.formats import export_document
    with pdf._cache_lock:
        pdf._cache.clear()
    document, _ = export_document(workshop, fmt)
    return document.encode() if isinstance(document, str) else document


def pdf_pages(data: bytes) -> int | None:
    try:
        from pypdf import PdfReader
        return len(PdfReader(io.BytesIO(data)).pages)
    except ImportError:
        pass
    if not shutil.which("pdfinfo"):
        return None
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, timeout=60).stdout
    return next((int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:")), None)


def measure(workshop, fmt: str, bare, repeat: int, count: int) -> dict:
    app_seconds, document = timed(lambda: app_export(workshop, fmt), repeat)
    bare_seconds, _ = timed(bare, repeat)
    best, base = min(app_seconds), min(bare_seconds)
    return {"format": fmt, "suggestions": count, "app_s": round(best, 3), "baseline_s": round(base, 3),
            "ratio": round(best / base, 2) if base else None, "bytes": len(document),
            "pages": pdf_pages(document) if fmt == "pdf" else None,
            "app_median_s": round(statistics.median(app_seconds), 3),
            "baseline_median_s": round(statistics.median(bare_seconds), 3)}


def compile_seconds(workshop, repeat: int) -> float:
    """Reading the workshop into the minutes: the part every format's row includes."""
    from facilitator.services.minutes import compile_minutes
    return round(min(timed(lambda: compile_minutes(workshop), repeat)[0]), 3)


def cached_pdf_seconds(workshop) -> float:
    """A second download of an unchanged workshop: the cache's hit, with the compile and the HTML."""
    from facilitator.exporters.formats import export_document
    export_document(workshop, "pdf")
    start = time.perf_counter()
    export_document(workshop, "pdf")
    return round(time.perf_counter() - start, 3)


# --- results -----------------------------------------------------------------------------


def machine() -> dict:
    from importlib.metadata import version
    return {"cores": os.cpu_count(), "load": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
            **{name: version(name) for name in ("weasyprint", "pydyf", "python-docx", "odfpy", "openpyxl")}}


def markdown(results: dict) -> str:
    rows = results["rows"]
    lines = [f"# Export benchmark: {results['suggestions']} suggestions, best of {results['repeat']}", "",
             f"Seed 000 scaled up: {results['workshop']}. `app_s`: `export_document` as the download "
             "view calls it (compiling the minutes included; the PDF cache emptied before each run). "
             "`baseline_s`: the bare library writing the same text, unstyled, with no options "
             "(bench/README.md). Target: ≤ 2 s per format.", "",
             "Machine: " + ", ".join(f"{k} {v}" for k, v in results["machine"].items()), "",
             "| format | app s (best) | app s (median) | baseline s | ratio | bytes | pages |",
             "|---|--:|--:|--:|--:|--:|--:|"]
    for row in rows:
        flag = " **over 2 s**" if row["app_s"] > TARGET_S else ""
        lines.append(f"| {row['format']}{flag} | {row['app_s']:.3f} | {row['app_median_s']:.3f} | "
                     f"{row['baseline_s']:.3f} | {row['ratio'] if row['ratio'] is not None else '–'} | "
                     f"{row['bytes']} | {row['pages'] if row['pages'] is not None else '–'} |")
    lines += ["", f"Of each app row, compiling the minutes from the database takes {results['compile_s']:.3f} s "
              "(the JSON row reads the workshop its own way)."]
    if results.get("pdf_cached_s") is not None:
        lines += ["", f"A repeated PDF download of the unchanged workshop (the cache's hit): "
                  f"{results['pdf_cached_s']:.3f} s."]
    lines += ["", f"Building the workshop took {results['build_s']} s; the whole run {results['seconds']} s."]
    return "\n".join(lines) + "\n"


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["rows"]
    names = [row["format"] for row in rows]
    positions = range(len(rows))
    figure, axis = plt.subplots(figsize=(8, 4.2))
    axis.barh([p + 0.2 for p in positions], [r["app_s"] for r in rows], height=0.4, label="app", color="tab:blue")
    axis.barh([p - 0.2 for p in positions], [r["baseline_s"] for r in rows], height=0.4,
              label="bare library", color="grey")
    axis.axvline(TARGET_S, color="tab:red", linestyle="--", linewidth=1, label="target 2 s")
    axis.set_yticks(list(positions), names)
    axis.invert_yaxis()
    axis.set_xlabel("seconds (best of runs)")
    axis.set_title(f"Exporting {results['suggestions']} suggestions, app vs bare library")
    axis.legend(fontsize=8)
    axis.grid(True, axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(results: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{key: row[key] for key in ROW_KEYS} for row in results["rows"]]
    (folder / "exports.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    (folder / "exports.md").write_text(markdown(results))
    plot(results, folder / "exports.png")


def main(argv=None) -> int:
    args = parse_args(argv)
    formats = [fmt for fmt in args.formats.split(",") if fmt]
    unknown = set(formats) - set(FORMAT_ORDER)
    if unknown or args.suggestions < 2 or args.repeat < 1:
        sys.exit(f"unknown formats {sorted(unknown)}" if unknown else "need --suggestions ≥ 2, --repeat ≥ 1")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as folder:
        app = make_app(Path(folder))
        with app.app_context():
            from facilitator.infra.extensions import db
            from facilitator.models import Workshop
            print(f"building a workshop of {args.suggestions} suggestions…", flush=True)
            build_started = time.perf_counter()
            workshop = db.session.get(Workshop, build_workshop(args.suggestions))
            results = {"suggestions": args.suggestions, "repeat": args.repeat, "machine": machine(),
                       "build_s": round(time.perf_counter() - build_started, 1),
                       "workshop": describe(workshop), "rows": []}
            bare = baselines(workshop)
            results["compile_s"] = compile_seconds(workshop, args.repeat)
            for fmt in formats:
                row = measure(workshop, fmt, bare[fmt], args.repeat, args.suggestions)
                print(f"{fmt:5} app {row['app_s']:.3f} s (median {row['app_median_s']:.3f}), "
                      f"bare {row['baseline_s']:.3f} s, ×{row['ratio']}, {row['bytes']} bytes"
                      + (f", {row['pages']} pages" if row["pages"] else ""), flush=True)
                results["rows"].append(row)
            results["pdf_cached_s"] = cached_pdf_seconds(workshop) if "pdf" in formats else None
            db.session.remove()
    results["seconds"] = round(time.perf_counter() - started, 1)
    write(results, args.out)
    print(markdown(results))
    return 0


def describe(workshop) -> str:
    suggestions = sum(len(q.suggestions) for q in workshop.questions)
    return (f"{len(workshop.questions)} questions, {len(workshop.tables)} tables, {len(workshop.rounds)} rounds, "
            f"{len(workshop.participants)} participants, {suggestions} suggestions, {len(workshop.themes)} themes, "
            f"{len(workshop.actions)} actions")


if __name__ == "__main__":
    sys.exit(main())
