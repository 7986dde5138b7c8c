"""The laid-out minutes PDF: one layout however many ask at once, kept where every process finds it."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

from facilitator.exporters import pdf as pdf_module
from facilitator.infra.extensions import db
from facilitator.models import Workshop
from facilitator.services.minutes import compile_minutes

from support.factories import make_workshop

ASKERS = 8


def counting_layouts(monkeypatch) -> list[str]:
    """The real layout, counted."""
    laid_out = []
    layout = pdf_module.layout_pdf

    def counted(source):
        laid_out.append(source)
        return layout(source)
    monkeypatch.setattr(pdf_module, "layout_pdf", counted)
    return laid_out


def minutes_of(app, workshop_id):
    with app.app_context():
        return compile_minutes(db.session.get(Workshop, workshop_id))


def test_many_asking_at_once_cost_one_layout(app, facilitator, monkeypatch, tmp_path):
    folder = tmp_path / "pdfs"
    app.config["PDF_CACHE_FOLDER"] = str(folder)
    minutes = minutes_of(app, make_workshop(app, facilitator.id, status="closed").id)
    laid_out = counting_layouts(monkeypatch)
    start = threading.Barrier(ASKERS)
    results = []

    def ask():
        with app.test_request_context("/"):
            start.wait()
            results.append(pdf_module.render_pdf(minutes))
    askers = [threading.Thread(target=ask) for _ in range(ASKERS)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(timeout=120)
    assert len(results) == ASKERS and results[0].startswith(b"%PDF-")
    assert all(result == results[0] for result in results)
    assert len(laid_out) == 1
    assert [path.suffix for path in folder.iterdir()] == [".pdf"], "no lock or partial file is left"


OTHER_PROCESS = """
import sys
from pathlib import Path
from facilitator.exporters import pdf

def refuse(source):
    raise SystemExit("laid out again")
pdf.layout_pdf = refuse
sys.stdout.buffer.write(pdf.cached_layout(Path(sys.argv[1]), sys.argv[2], "unused: the key names the PDF"))
"""


def test_another_process_reads_the_pdf_laid_out_instead_of_laying_it_out(tmp_path):
    source = "<html lang=nb><body><h1>Referat</h1></body></html>"
    first = pdf_module.cached_layout(tmp_path, "minutes-key", source)
    other = subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(tmp_path), "minutes-key"],
                           capture_output=True, timeout=60, env={**os.environ, "FACILITATOR_NO_PATCH": "1"})
    assert other.returncode == 0, other.stderr.decode()[-2000:]
    assert other.stdout == first and first.startswith(b"%PDF-")


def test_the_folder_keeps_only_the_latest_pdfs(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "CACHE_SIZE", 2)
    for number in range(4):
        pdf_module.cached_layout(tmp_path, f"key{number}", f"<html><body><p>{number}</p></body></html>")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["key2.pdf", "key3.pdf"]
