"""The organiser's edits to the minutes: their words, what the document includes, a live preview."""
from __future__ import annotations

from dataclasses import fields, replace

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, HiddenField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import NumberRange, Optional

from facilitator.web.host import bp, field_errors, load_workshop
from facilitator.exporters.formats import FORMATS
from facilitator.exporters.html import render_body
from facilitator.infra.extensions import db
from facilitator.web.forms import FlaskForm
from facilitator.services import DomainError, announcements
from facilitator.services.minutes import (
    MinutesEdit, MinutesOptions, StaleMinutes, compile_minutes, current_edit, save_minutes,
)
from facilitator.services.participants import count_participants

# What each choice means to the organiser; the names are MinutesOptions' fields.
OPTION_LABELS = {
    "program": _l("The program"),
    "per_table": _l("Suggestions grouped by table"),
    "votes": _l("Dots and a ranking for voted questions"),
    "themes": _l("Themes with their suggestions"),
    "actions": _l("The action plan"),
    "hidden": _l("Hidden and unapproved suggestions, listed separately"),
    "facilitators": _l("The facilitators' names"),
    "participant_count": _l("The number of participants"),
    "harvest": _l("A harvest per theme: the suggestion that best represents it, and its count of suggestions and dots"),
    "photos": _l("The tables' photos, under their table and round"),
}


class MinutesForm(FlaskForm):
    opening_text = TextAreaField(_l("Opening text"))
    closing_text = TextAreaField(_l("Closing remarks"))
    signature = TextAreaField(_l("Signature"), description=_l("The organiser's name, and title on a second line."))
    participant_count = IntegerField(_l("Number of participants"), validators=[
        Optional(), NumberRange(min=0, max=1_000_000,
                                message=_l("Please enter a whole number from 0 upwards."))],
        description=_l("Leave empty to count the phones that joined."))
    base_revision = HiddenField()
    # Tells a post from this form (unticked boxes send nothing) from an older one without the boxes.
    choices_shown = HiddenField(default="1")
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save minutes"))


# One checkbox per option, added to the class so the form and MinutesOptions never drift apart.
for _name in (f.name for f in fields(MinutesOptions)):
    setattr(MinutesForm, f"include_{_name}", BooleanField(OPTION_LABELS.get(_name, _name)))


def form_data(edit: MinutesEdit, revision: int) -> dict:
    data = {"opening_text": edit.opening_text, "closing_text": edit.closing_text,
            "signature": edit.signature, "participant_count": edit.participant_count,
            "base_revision": revision, "choices_shown": "1"}
    data.update({f"include_{f.name}": getattr(edit.options, f.name) for f in fields(MinutesOptions)})
    return data


def edit_from(form: MinutesForm, workshop) -> MinutesEdit:
    if form.choices_shown.data:
        options = MinutesOptions(**{f.name: bool(form[f"include_{f.name}"].data)
                                    for f in fields(MinutesOptions)})
    else:
        options = current_edit(workshop)[0].options
    return MinutesEdit(form.opening_text.data or "", form.closing_text.data or "", form.signature.data or "",
                       form.participant_count.data, options)


@bp.route("/workshops/<int:workshop_id>/minutes", methods=["GET", "POST"])
def minutes(workshop_id: int):
    """Edit the organiser's words and choices in the minutes, with a preview and the downloads."""
    workshop = load_workshop(workshop_id)
    edit, revision = current_edit(workshop)
    form = MinutesForm(data=form_data(edit, revision))
    stale = False
    if form.validate_on_submit() and not form.preview.data:
        try:
            save_minutes(workshop, current_user, edit_from(form, workshop),
                         request.form.get("base_revision", 0, type=int))
        except StaleMinutes as error:
            db.session.rollback()
            stale = True
            flash(error.message, "error")
            form.base_revision.data = str(current_edit(workshop)[1])
        except DomainError as error:
            db.session.rollback()
            field_errors(form, error)
        else:
            announcements.minutes(workshop)
            flash(_("Minutes saved."), "success")
            return redirect(url_for("host.minutes", workshop_id=workshop.id), 303)
    # Without JavaScript "Preview" posts the form here and shows the unsaved text in the preview.
    preview = preview_of(workshop, form) if form.preview.data and not form.errors else \
        render_body(compile_minutes(workshop))
    return render_template("host/minutes.html", workshop=workshop, form=form, preview=preview,
                           stale=stale, saved=current_edit(workshop)[0] if stale else None,
                           revision=current_edit(workshop)[1],
                           formats=FORMATS, option_names=[f.name for f in fields(MinutesOptions)]), \
        422 if form.errors or stale else 200


@bp.post("/workshops/<int:workshop_id>/minutes/preview")
def minutes_preview(workshop_id: int):
    """The document as it would be with the form's unsaved text and choices (htmx swaps it in)."""
    workshop = load_workshop(workshop_id)
    form = MinutesForm()
    if not form.validate():
        # Keep showing the last good preview: a half-typed number is not worth an error here.
        return "", 204
    return str(preview_of(workshop, form))


def preview_of(workshop, form: MinutesForm):
    edit = edit_from(form, workshop)
    compiled = compile_minutes(workshop)
    count = edit.participant_count if edit.participant_count is not None else count_participants(workshop)
    return render_body(replace(compiled, opening_text=edit.opening_text, closing_text=edit.closing_text,
                               signature=edit.signature, participant_count=count, options=edit.options))
