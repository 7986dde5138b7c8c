"""Every download format in one table: its MIME type and how it is made.

The view and the CLI both go through ``export_document``, so a file written from
the command line is byte for byte the download.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from facilitator.exporters import file_stem
from facilitator.services.minutes import Minutes, compile_minutes
from facilitator.models import Workshop


@dataclass(frozen=True)
class Format:
    extension: str
    mimetype: str
    binary: bool
    render: Callable[[Minutes], str | bytes] | None = None


def _markdown(minutes):
    from facilitator.exporters.markdown import render_markdown
    return render_markdown(minutes)


def _html(minutes):
    from facilitator.exporters.html import render_html
    return render_html(minutes)


def _docx(minutes):
    from facilitator.exporters.docx import render_docx
    return render_docx(minutes)


def _odt(minutes):
    from facilitator.exporters.odt import render_odt
    return render_odt(minutes)


def _pdf(minutes):
    from facilitator.exporters.pdf import render_pdf
    return render_pdf(minutes)


def _csv(minutes):
    from facilitator.exporters.tabular import render_csv
    return render_csv(minutes)


def _xlsx(minutes):
    from facilitator.exporters.tabular import render_xlsx
    return render_xlsx(minutes)


# Imported lazily: WeasyPrint and the office libraries load in ~0.5 s, which the
# phones' pages never need to pay for.
FORMATS = {
    "md": Format("md", "text/markdown; charset=utf-8", False, _markdown),
    "html": Format("html", "text/html; charset=utf-8", False, _html),
    "docx": Format("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                   True, _docx),
    "odt": Format("odt", "application/vnd.oasis.opendocument.text", True, _odt),
    "pdf": Format("pdf", "application/pdf", True, _pdf),
    "csv": Format("csv", "text/csv; charset=utf-8; header=present", True, _csv),
    "xlsx": Format("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True, _xlsx),
    "json": Format("json", "application/json", False, None),
}


def render_workshop_json(workshop: Workshop) -> str:
    from facilitator.exporters.transfer import export_workshop
    return json.dumps(export_workshop(workshop), ensure_ascii=False, indent=2) + "\n"


def export_document(workshop: Workshop, fmt: str) -> tuple[str | bytes, str]:
    """The workshop in one format, with the file name it should be saved under."""
    minutes = compile_minutes(workshop)
    spec = FORMATS[fmt]
    document = render_workshop_json(workshop) if fmt == "json" else spec.render(minutes)
    return document, f"{file_stem(minutes)}.{spec.extension}"
