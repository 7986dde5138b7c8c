"""Photos from the tables: a phone's upload, and the picture for whoever may see the workshop.

The upload is a plain multipart form (``capture="environment"`` opens the camera), so it works
without JavaScript; its answer is a redirect back to the phone's page with what happened.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from facilitator.infra.extensions import csrf, db
from facilitator.web.limits import photo_limit
from facilitator.models import Participant, TablePhoto, Workshop
from facilitator.web.participant import current_participant, load_workshop, panel_context, require_participant
from facilitator.services.workshops import results_public
from facilitator.services import DomainError, announcements
from facilitator.services.photos import PHOTO_MAX_BYTES, add_photo, may_see_photo, photo_alt, too_large
from facilitator.services.workshops import can_steer

bp = Blueprint("photos", __name__)

# The form's other fields (the token, the caption, the upload's id) besides the photo itself.
FORM_OVERHEAD_BYTES = 64 * 1024


@bp.post("/j/<code>/photos")
@csrf.exempt  # checked below, once the upload limit has been raised for this request
@photo_limit
def upload(code: str):
    """A photo of the participant's table, from the phone's camera; a retried upload is stored once."""
    workshop = load_workshop(code)
    participant = require_participant(workshop)
    request.max_content_length = PHOTO_MAX_BYTES + FORM_OVERHEAD_BYTES
    try:
        csrf.protect()
        photo_file = request.files.get("photo")
        upload_bytes = photo_file.read(PHOTO_MAX_BYTES + 1) if photo_file else b""
        photo, created = add_photo(participant, upload_bytes, request.form.get("caption", ""),
                                   request.form.get("client_id"))
    except RequestEntityTooLarge:
        return refused(workshop, participant, too_large().message, caption="")
    except DomainError as error:
        return refused(workshop, participant, error.message, request.form.get("caption", ""))
    g.send_was_replay = not created
    if created:
        announcements.stage(workshop)
    flash(_("Photo saved. Thank you!"), "success")
    return redirect(url_for("participant.workshop", code=workshop.join_code, _anchor="table-photos"), 303)


def refused(workshop: Workshop, participant: Participant, message: str, caption: str):
    """Nothing stored; the phone's page says why beside the form, with the caption as typed (the
    photo itself stays on the phone: a browser never refills a file field)."""
    db.session.rollback()
    context = panel_context(workshop, participant)
    context.update(photo_error=message, photo_caption=caption)
    if not context["may_take_photos"]:
        flash(message, "error")  # no photo form on this phone to say it beside
    return render_template("participant/workshop.html", **context), 422


@bp.get("/j/<code>/photos/<int:photo_id>")
def image(code: str, photo_id: int):
    """The photo, to the workshop's facilitators (console, projector), its participants (their
    table's photos, and all while results are not hidden), and anyone once the results are
    public; 404 to everyone else."""
    workshop = load_workshop(code)
    photo = db.session.get(TablePhoto, photo_id)
    if photo is None or photo.workshop_id != workshop.id or not may_see(workshop, photo):
        abort(404)
    response = Response(photo.image, content_type="image/jpeg")
    # Private to the browser that asked: a shared cache must not keep a workshop's photos.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def may_see(workshop: Workshop, photo: TablePhoto) -> bool:
    if can_steer(current_user, workshop) or results_public(workshop):
        return True
    return may_see_photo(photo, current_participant(workshop))


@bp.app_template_global("photo_alt")
def photo_alt_global(photo: TablePhoto) -> str:
    """The photo's alt text in templates (services.photos.photo_alt)."""
    return photo_alt(photo)
