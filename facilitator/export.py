"""Downloading the minutes, in any state of the workshop."""
from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import current_user, login_required

from .exporters import file_stem
from .exporters.html import render_html, stylesheet_hash
from .exporters.markdown import render_markdown
from .security import CONTENT_SECURITY_POLICY
from .services.minutes import compile_minutes
from .services.workshops import get_workshop_for

bp = Blueprint("export", __name__, url_prefix="/export")

FORMATS = {
    "md": ("text/markdown; charset=utf-8", render_markdown),
    "html": ("text/html; charset=utf-8", render_html),
}


@bp.get("/<int:workshop_id>/minutes.<any(md, html):fmt>")
@login_required
def minutes(workshop_id: int, fmt: str):
    """The minutes as Markdown (a download) or a printable page (shown, or saved with ?download=1)."""
    workshop = get_workshop_for(current_user, workshop_id)
    if workshop is None:
        abort(404)
    compiled = compile_minutes(workshop)
    mimetype, render = FORMATS[fmt]
    response = Response(render(compiled), content_type=mimetype)
    if fmt == "md" or request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{file_stem(compiled)}.{fmt}"'
    if fmt == "html":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "style-src 'self'", f"style-src 'self' '{stylesheet_hash()}'")
    return response
