"""Minutes as a PDF: the printable HTML page laid out by WeasyPrint.

Tagged (PDF/UA-1) so screen readers follow headings and lists, with real text
(searchable, copyable), page numbers from the stylesheet's @page counters and the
workshop's language in the document catalogue. WeasyPrint is given a URL
fetcher that refuses everything but ``data:`` URIs: the minutes hold text typed
by anyone in the room, and rendering them must never reach the network or the
disk (no SSRF, no file:// reads), whatever the HTML says.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from pathlib import Path

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from facilitator.exporters.html import render_html
from facilitator.services.minutes import Minutes

# WeasyPrint logs every refused fetch and unsupported CSS property as a warning; the
# refusals are the point, so keep them out of the server log unless debugging.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


class RefusingFetcher(URLFetcher):
    """Fetches data: URIs (decoded in memory) and refuses every other URL."""

    def __init__(self):
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        if not url.lower().startswith("data:"):
            raise ValueError(f"refused to fetch {url[:80]!r}: the minutes load nothing from outside")
        return super().fetch(url, headers)


# Laying out takes ~30 ms a page (3-5 s for 2,000 suggestions) while the HTML takes
# milliseconds, and the public results PDF may be asked for by a whole room at once, of any
# of the app's processes: each PDF is kept as a file named by the digest of the HTML it was
# made from (exact: the PDF is a function of that HTML alone) in the instance folder, which
# every process of an installation finds (on one machine; for several, mount it shared). The
# database would need a migration and a blob table for a disposable copy, Redis is optional.
# The first asker lays out under a file lock; the others wait for it and read the file.
CACHE_SIZE = 32


# Text stored before clean_text turned them into plain breaks; WeasyPrint fails on them.
_LINE_SEPARATORS = str.maketrans({"\u2028": " ", "\u2029": " "})


def render_pdf(minutes: Minutes) -> bytes:
    """The minutes as a PDF, laid out once for all processes however many ask at the same time."""
    source = render_html(minutes).translate(_LINE_SEPARATORS)
    folder = cache_folder()
    if folder is None:
        return off_the_event_loop(layout_pdf, source)
    key = hashlib.sha256(source.encode()).hexdigest()
    # In a real thread under gevent: waiting for the lock must not stall the process's sockets.
    return off_the_event_loop(cached_layout, folder, key, source)


def cache_folder() -> Path | None:
    """PDF_CACHE_FOLDER, or instance/pdf-cache when it is empty; None (tests) turns the cache off."""
    setting = current_app.config.get("PDF_CACHE_FOLDER", "")
    if setting is None:
        return None
    folder = Path(setting or Path(current_app.instance_path) / "pdf-cache")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cached_layout(folder: Path, key: str, source: str) -> bytes:
    """The PDF of source from folder, laid out first (by one thread of one process) if missing."""
    path = folder / f"{key}.pdf"
    data = read_cached(path)
    if data is not None:
        return data
    lock_path = folder / f"{key}.lock"
    with open(lock_path, "ab") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = read_cached(path)  # laid out by whoever held the lock before us
        if data is None:
            data = layout_pdf(source)
            partial = path.with_name(f"{key}.{os.getpid()}.{threading.get_ident()}.part")
            partial.write_bytes(data)
            os.replace(partial, path)  # readers see the whole file or none
            # Removed while still held: a late asker that opens a new lock file finds the PDF first.
            lock_path.unlink(missing_ok=True)
            prune(folder)
    return data


def read_cached(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    os.utime(path)  # recently used, so pruned last
    return data


def prune(folder: Path) -> None:
    """Keep the CACHE_SIZE most recently used PDFs."""
    files = sorted(folder.glob("*.pdf"), key=lambda file: file.stat().st_mtime, reverse=True)
    for old in files[CACHE_SIZE:]:
        old.unlink(missing_ok=True)


# Archives (Noark 5 in Norway, and their Nordic neighbours) take PDF/A; readers with a screen
# reader need PDF/UA. PDF/A-2a is the archival profile whose level A requires the same tagged
# structure, Unicode text and language that PDF/UA does; WeasyPrint writes it (fonts embedded, an
# sRGB output intent, a file identifier), and the finisher below adds the PDF/UA-1 claim to the
# same XMP packet. PDF/A-2 accepts XMP properties outside its predefined schemas only when the
# packet describes them (ISO 19005-2, 6.6.2.3.2): pdfuaid's "part" comes with its description.
PDF_OPTIONS = {"pdf_variant": "pdf/a-2a", "custom_metadata": False}
PDF_UA_CLAIM = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1" />
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates which part of ISO 14289 the document conforms to</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
"""


def layout_pdf(source: str) -> bytes:
    document = HTML(string=source, base_url=None, url_fetcher=RefusingFetcher())
    return document.write_pdf(finisher=claim_pdf_ua, **PDF_OPTIONS)


def claim_pdf_ua(document, pdf) -> None:
    """Add ``pdfuaid:part="1"`` to the XMP metadata that the PDF/A variant wrote, in its one RDF."""
    number = int(pdf.catalog["Metadata"].split()[0])  # a reference, b"28 0 R"
    stream = pdf.objects[number]
    packet = b"".join(stream.stream)
    if b"pdfuaid" in packet:  # a later WeasyPrint may claim it itself
        return
    if packet.count(b"</rdf:RDF>") != 1:
        raise RuntimeError("unexpected XMP packet: WeasyPrint changed how it writes metadata")
    stream.stream = [packet.replace(b"</rdf:RDF>", PDF_UA_CLAIM + b"</rdf:RDF>")]


def off_the_event_loop(function, *args):
    """Under gevent, run CPU-bound work in the hub's thread pool: the interpreter then
    switches threads every few milliseconds, so the live sockets of the same worker keep
    being served while a long PDF is laid out, instead of stalling for seconds."""
    try:
        from gevent import get_hub
        from gevent.monkey import is_module_patched
    except ImportError:  # pragma: no cover - gevent is a dependency, but the exporters need not be
        return function(*args)
    if not is_module_patched("threading"):
        return function(*args)
    return get_hub().threadpool.apply(function, args)
