"""Downloading the minutes in every format, and importing a workshop from its JSON export."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired

from facilitator.exporters.formats import FORMATS, export_document
from facilitator.exporters.html import stylesheet_hash
from facilitator.infra.extensions import csrf, db
from facilitator.web.forms import FlaskForm
from facilitator.infra.security import CONTENT_SECURITY_POLICY
from facilitator.exporters.transfer import InvalidImport, import_json
from facilitator.services.workshops import get_workshop_for

bp = Blueprint("export", __name__, url_prefix="/export")

# A workshop of 2,000 suggestions exports to about 1 MB of JSON; the app's usual
# request limit (256 kB) is for phones, not for this upload.
IMPORT_MAX_BYTES = 20 * 1024 * 1024
FORMAT_NAMES = ",".join(FORMATS)
# Letters that Unicode does not decompose into an ASCII base letter.
TRANSLITERATION = str.maketrans({"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "ð": "d",
                                 "Ð": "D", "þ": "th", "Þ": "TH", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L"})


@bp.get(f"/<int:workshop_id>/minutes.<any({FORMAT_NAMES}):fmt>")
@login_required
def minutes(workshop_id: int, fmt: str):
    """The minutes in one format, as a download; HTML is shown as a printable page unless ?download=1."""
    workshop = get_workshop_for(current_user, workshop_id)
    if workshop is None:
        abort(404)
    document, filename = export_document(workshop, fmt)
    response = Response(document, content_type=FORMATS[fmt].mimetype)
    if fmt != "html" or request.args.get("download"):
        response.headers["Content-Disposition"] = attachment(filename)
    if fmt == "html":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "style-src 'self'", f"style-src 'self' '{stylesheet_hash()}'")
    return response


def attachment(filename: str) -> str:
    """Content-Disposition with an ASCII name for old clients and the real one (RFC 6266/5987)."""
    fallback = ascii_filename(filename)
    header = f'attachment; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def ascii_filename(filename: str) -> str:
    """'møte-på-tromsø.pdf' as 'mote-pa-tromso.pdf': letters kept readable, nothing unsafe."""
    decomposed = unicodedata.normalize("NFKD", filename.translate(TRANSLITERATION))
    kept = "".join(ch if ch.isascii() and (ch.isalnum() or ch in ".-_") else "-" for ch in decomposed
                   if not unicodedata.combining(ch))
    kept = "-".join(part for part in kept.split("-") if part)
    return kept.replace("-.", ".") or "minutes"


class ImportForm(FlaskForm):
    file = FileField(_l("Workshop file (.json)"), validators=[FileRequired(_l("Please choose a file."))],
                     description=_l("A file downloaded with “Download JSON” from the minutes of a workshop, "
                                    "on this server or another."))


@bp.route("/import", methods=["GET", "POST"])
@csrf.exempt  # The form checks its own token, after the upload limit below is raised.
@login_required
def import_workshop():
    """Upload a JSON export; it becomes a new draft workshop of the current facilitator."""
    request.max_content_length = IMPORT_MAX_BYTES
    if request.method == "POST":
        csrf.protect()  # exempt from the app-wide hook only so the size limit could be raised first
    form = ImportForm()
    if form.validate_on_submit():
        try:
            workshop = import_json(form.file.data.read(IMPORT_MAX_BYTES + 1), current_user._get_current_object())
        except InvalidImport as error:
            db.session.rollback()
            form.file.errors.append(error.message)
        else:
            flash(_("Imported as a new draft workshop with its own code. Check the details, then go live."),
                  "success")
            return redirect(url_for("host.workshop", workshop_id=workshop.id), 303)
    return render_template("export/import.html", form=form), 422 if form.errors else 200
