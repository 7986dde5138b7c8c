"""The minutes' photos as outline blocks: under their question, a heading per table and round."""
from __future__ import annotations

from flask_babel import gettext as _

from facilitator.exporters.blocks import Heading, Photo, Section
from facilitator.services.minutes import Minutes, MinutesQuestion
from facilitator.services.minutes_photos import MinutesPhoto


def question_photo_blocks(minutes: Minutes, question: MinutesQuestion) -> list:
    """The photos taken while the tables discussed this question (none when left out)."""
    photos = [photo for photo in shown_photos(minutes) if photo.question == question.number]
    return [Heading(_("Photos"), 2), *grouped_blocks(photos, 3)] if photos else []


def loose_photo_section(minutes: Minutes) -> list:
    """Photos taken with no question on the tables' screen, in a section of their own."""
    photos = [photo for photo in shown_photos(minutes) if photo.question is None]
    if not photos:
        return []
    return [Section("photos", [Heading(_("Photos"), 1), *grouped_blocks(photos, 2)])]


def shown_photos(minutes: Minutes) -> list[MinutesPhoto]:
    if not minutes.options.photos:
        return []
    return [photo for photo in minutes.photos if photo.image]


def grouped_blocks(photos: list[MinutesPhoto], level: int) -> list:
    """A heading per table and round (tables in order, then rounds), its photos below it."""
    order = sorted(photos, key=lambda p: (p.table is None, p.table or 0, p.round or 0, p.id))
    blocks: list = []
    heading = None
    for photo in order:
        place = place_heading(photo)
        if place != heading:
            blocks.append(Heading(place, level))
            heading = place
        blocks.append(Photo(photo.image, photo.image_width, photo.image_height, alt_text(photo), photo.caption))
    return blocks


def alt_text(photo: MinutesPhoto) -> str:
    """What stands for the photo: its caption, else where and when it was taken (in the minutes' language)."""
    return photo.caption or _("Photo from %(place)s", place=place_heading(photo))


def place_heading(photo: MinutesPhoto) -> str:
    """'Table 3: Kafé, round 2', or as much of it as is known."""
    if photo.table is None:
        table = _("No table")
    else:
        table = _("Table %(num)d", num=photo.table)
        table = f"{table}: {photo.table_name}" if photo.table_name else table
    return _("%(table)s, round %(number)d", table=table, number=photo.round) if photo.round else table


def photo_line(photo: Photo) -> str:
    """What Markdown writes instead of the picture."""
    return _("Photo: %(description)s (%(width)d × %(height)d px)", description=photo.alt,
             width=photo.width, height=photo.height)
