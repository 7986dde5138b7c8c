"""The tables' photos on the console: who may take them, each table's photos, removing one."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from facilitator.web.host import bp, load_workshop
from facilitator.infra.extensions import db
from facilitator.models import TablePhoto
from facilitator.services import announcements
from facilitator.services.photos import delete_photo, photos_by_table, set_photos_from_everyone
from facilitator.services.tables import table_label


@bp.get("/workshops/<int:workshop_id>/photos")
def photos(workshop_id: int):
    """Every table's photos, newest round last, and whether anyone seated may add them."""
    workshop = load_workshop(workshop_id)
    template = "host/_photo_list.html" if request.args.get("fragment") == "list" else "host/photos.html"
    return render_template(template, workshop=workshop, by_table=photos_by_table(workshop),
                           table_label=table_label)


@bp.post("/workshops/<int:workshop_id>/photos/settings")
def photo_settings(workshop_id: int):
    """Hosts and scribes only, or anyone seated at a table."""
    workshop = load_workshop(workshop_id)
    set_photos_from_everyone(workshop, request.form.get("everyone") == "y")
    announcements.questions(workshop)  # phones show or hide their photo form
    flash(_("Photo settings saved."), "success")
    return redirect(url_for("host.photos", workshop_id=workshop.id), 303)


@bp.post("/workshops/<int:workshop_id>/photos/<int:photo_id>/delete")
def photo_delete(workshop_id: int, photo_id: int):
    """Remove a photo (a face, a name on the cloth) from every screen and the minutes."""
    workshop = load_workshop(workshop_id)
    photo = db.session.get(TablePhoto, photo_id)
    if photo is None or photo.workshop_id != workshop.id:
        flash(_("That photo is no longer there."), "error")
        return redirect(url_for("host.photos", workshop_id=workshop.id), 303)
    delete_photo(photo)
    announcements.stage(workshop)
    flash(_("Photo removed."), "success")
    return redirect(url_for("host.photos", workshop_id=workshop.id), 303)
