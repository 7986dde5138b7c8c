"""The organiser's edits to the minutes, with a preview of the document."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import NumberRange, Optional

from . import bp, field_errors, load_workshop
from ..exporters import format_when, labels
from ..extensions import db
from ..i18n import workshop_locale
from ..services import DomainError
from ..services.minutes import MinutesEdit, StaleMinutes, compile_minutes, current_edit, save_minutes


class MinutesForm(FlaskForm):
    opening_text = TextAreaField(_l("Opening text"))
    closing_text = TextAreaField(_l("Closing remarks"))
    signature = TextAreaField(_l("Signature"), description=_l("The organiser's name, and title on a second line."))
    participant_count = IntegerField(_l("Number of participants"), validators=[
        Optional(), NumberRange(min=0, max=1_000_000,
                                message=_l("Please enter a whole number from 0 upwards."))],
        description=_l("Leave empty to count the phones that joined."))
    base_revision = HiddenField()


@bp.route("/workshops/<int:workshop_id>/minutes", methods=["GET", "POST"])
def minutes(workshop_id: int):
    """Edit the organiser's words in the minutes, with a preview and downloads."""
    workshop = load_workshop(workshop_id)
    edit, revision = current_edit(workshop)
    form = MinutesForm(data={**edit.__dict__, "base_revision": revision})
    stale = False
    if form.validate_on_submit():
        try:
            save_minutes(workshop, current_user, MinutesEdit(
                form.opening_text.data or "", form.closing_text.data or "", form.signature.data or "",
                form.participant_count.data), int(form.base_revision.data or 0))
        except StaleMinutes as error:
            db.session.rollback()
            stale = True
            flash(error.message, "error")
            form.base_revision.data = str(current_edit(workshop)[1])
        except DomainError as error:
            db.session.rollback()
            field_errors(form, error)
        else:
            db.session.commit()
            flash(_("Minutes saved."), "success")
            return redirect(url_for("host.minutes", workshop_id=workshop.id), 303)
    compiled = compile_minutes(workshop)
    with workshop_locale(workshop):
        # render_template escapes every value; the result is safe HTML.
        preview = Markup(render_template(  # noqa: S704
            "export/_minutes_body.html", minutes=compiled,
                                         label=labels(), when=format_when(compiled)))
    return render_template("host/minutes.html", workshop=workshop, form=form, preview=preview,
                           stale=stale, saved=current_edit(workshop)[0] if stale else None,
                           revision=compiled.revision), 422 if form.errors or stale else 200
