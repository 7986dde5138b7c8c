"""Photos from the tables: a café table's paper cloth or flip chart, photographed from a phone.

A photo is accepted only as a picture Pillow can read, within a size and a pixel count, and is
stored re-encoded: turned the way the camera held it (its EXIF orientation), scaled to at most
PHOTO_LONG_SIDE pixels, as a JPEG without any of the original's metadata (place, time, device).
Anything else is refused with a message and nothing is stored.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from facilitator.services import DomainError
from facilitator.services.suggestions import clean_client_id, latest_round_id
from facilitator.services.tables import table_label
from facilitator.services.text import clean_text
from facilitator.services.workshops import next_event_seq
from facilitator.infra.extensions import db
from facilitator.models import Participant, TablePhoto, Workshop, WorkshopStatus

# What a phone uploads: 3–12 MB from today's cameras, up to ~20 MB in a 50-megapixel mode.
PHOTO_MAX_BYTES = 25 * 1024 * 1024
# A 108-megapixel camera's full picture; a bigger one is a decompression bomb, not a photo.
PHOTO_MAX_PIXELS = 110_000_000
# Sharp enough to read a flip chart's handwriting on a projector, a few hundred kilobytes stored.
PHOTO_LONG_SIDE = 2048
PHOTO_QUALITY = 85
# A phone's multi-picture JPEG (MPO) opens as JPEG.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
CAPTION_MAX_LENGTH = 200


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo ready to store: JPEG bytes without metadata, and its size in pixels."""
    data: bytes
    width: int
    height: int


def may_take_photos(participant: Participant) -> bool:
    """Hosts and scribes photograph their table; anyone seated does when the facilitator allows it."""
    if participant.table_id is None or participant.workshop.status != WorkshopStatus.LIVE:
        return False
    return participant.writes_for_table or participant.workshop.photos_from_everyone


def add_photo(participant: Participant, upload: bytes, caption: str = "",
              client_id: str | None = None) -> tuple[TablePhoto, bool]:
    """Store a photo of the participant's table; returns (photo, created).

    A retried upload (the same ``client_id``) returns the stored photo and stores nothing."""
    check_may_add(participant)
    client_id = clean_client_id(client_id)
    existing = find_by_client_id(participant, client_id)
    if existing is not None:
        return existing, False
    caption = clean_text(caption, max_length=CAPTION_MAX_LENGTH, required=False, field="caption")
    prepared = prepare_photo(upload)
    workshop = participant.workshop
    photo = TablePhoto(workshop_id=workshop.id, table_id=participant.table_id,
                       round_id=latest_round_id(workshop), question_id=discussed_question_id(participant),
                       participant_id=participant.id, caption=caption, width=prepared.width,
                       height=prepared.height, image=prepared.data, client_id=client_id)
    db.session.add(photo)
    next_event_seq(workshop)
    db.session.flush()
    return photo, True


def check_may_add(participant: Participant) -> None:
    if participant.workshop.status != WorkshopStatus.LIVE:
        raise DomainError(_l("This workshop is not taking photos right now."))
    if participant.table_id is None:
        raise DomainError(_l("Choose your table first: a photo belongs to a table."))
    if not may_take_photos(participant):
        raise DomainError(_l("Only the table's host or scribe can add photos of the table."))


def find_by_client_id(participant: Participant, client_id: str | None) -> TablePhoto | None:
    if not client_id:
        return None
    return db.session.scalar(select(TablePhoto).where(TablePhoto.participant_id == participant.id,
                                                      TablePhoto.client_id == client_id))


def discussed_question_id(participant: Participant) -> int | None:
    """The question the table is on: its own when groups rotate, else the round's or the screen's."""
    workshop, table = participant.workshop, participant.table
    if workshop.table_mode == "rotate" and table is not None and table.question_id:
        return table.question_id
    round_id = latest_round_id(workshop)
    round_ = next((r for r in workshop.rounds if r.id == round_id), None)
    return (round_.question_id if round_ else None) or workshop.current_question_id


def prepare_photo(upload: bytes) -> PreparedPhoto:
    """The upload as it is stored, or a DomainError saying why it is refused."""
    if len(upload) > PHOTO_MAX_BYTES:
        raise too_large()
    if not upload:
        raise DomainError(_l("Please choose a photo first."), "photo")
    Image.init()  # registers WebP (not among the formats Pillow loads first), once
    try:
        # Pillow only warns between its limit and twice that: here any bomb is refused.
        with warnings.catch_warnings(action="error", category=Image.DecompressionBombWarning):
            with Image.open(io.BytesIO(upload), formats=PHOTO_FORMATS) as image:
                return encode(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(_l("This picture is too large in pixels to be a photo. Please take the photo "
                             "again with the phone's camera."), "photo") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise DomainError(_l("This file is not a photo we can read. Please choose a JPEG, PNG or WebP "
                             "picture."), "photo") from None


def encode(image: Image.Image) -> PreparedPhoto:
    """Turned upright, scaled down, flattened to RGB and saved as a JPEG without metadata."""
    if image.width * image.height > PHOTO_MAX_PIXELS:
        raise Image.DecompressionBombError("too many pixels")
    # A JPEG decodes straight at a fraction of its size when that is still big enough.
    image.draft("RGB", (PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))
    upright = ImageOps.exif_transpose(image)
    upright.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    # Nothing of the original's info (EXIF, XMP, ICC, comments) is passed on to save().
    flatten(upright).save(output, "JPEG", quality=PHOTO_QUALITY, optimize=True, progressive=True)
    return PreparedPhoto(output.getvalue(), upright.width, upright.height)


def flatten(image: Image.Image) -> Image.Image:
    """RGB, with any transparency on white (a PNG of a drawing stays legible)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def too_large() -> DomainError:
    return DomainError(_l("This photo is larger than %(max)d MB. Please take it again at a lower "
                          "resolution, or send a smaller copy.", max=PHOTO_MAX_BYTES // (1024 * 1024)), "photo")


def set_photos_from_everyone(workshop: Workshop, everyone: bool) -> Workshop:
    """Whether anyone seated at a table may add its photos, or only its host and scribe."""
    workshop.photos_from_everyone = everyone
    next_event_seq(workshop)
    db.session.flush()
    return workshop


def delete_photo(photo: TablePhoto) -> None:
    """A facilitator removes a photo (a face, a name on the cloth): gone from every screen and the minutes."""
    workshop = db.session.get(Workshop, photo.workshop_id)
    db.session.delete(photo)
    next_event_seq(workshop)
    db.session.flush()


def photos_of(workshop: Workshop, table_id: int | None = None) -> list[TablePhoto]:
    """The workshop's photos, oldest first (without their bytes), of one table when given."""
    query = select(TablePhoto).where(TablePhoto.workshop_id == workshop.id)
    if table_id is not None:
        query = query.where(TablePhoto.table_id == table_id)
    return list(db.session.scalars(query.order_by(TablePhoto.id)))


def photos_by_table(workshop: Workshop) -> dict[int | None, list[TablePhoto]]:
    """The workshop's photos grouped by table id (None: a table since removed)."""
    grouped: dict[int | None, list[TablePhoto]] = {}
    for photo in photos_of(workshop):
        grouped.setdefault(photo.table_id, []).append(photo)
    return grouped


def newest_per_table(workshop: Workshop, limit: int = 12) -> list[TablePhoto]:
    """What the projector shows: each table's newest photo, in the tables' order."""
    newest: dict[int | None, TablePhoto] = {}
    for photo in photos_of(workshop):
        newest[photo.table_id] = photo
    ordered = sorted(newest.values(), key=lambda p: p.table.number if p.table else 10**6)
    return ordered[:limit]


def photo_alt(photo: TablePhoto) -> str:
    """The text that stands for the photo: its caption, else where and when it was taken."""
    if photo.caption:
        return photo.caption
    place = table_label(photo.table) or str(_l("a table"))
    if photo.round is not None:
        return str(_l("Photo from %(table)s, round %(number)d", table=place, number=photo.round.number))
    return str(_l("Photo from %(table)s", table=place))


def may_see_photo(photo: TablePhoto, participant: Participant | None) -> bool:
    """A participant sees their own table's photos, and every photo while results are not hidden.
    (Facilitators see them all; anyone does once the results are public: the view decides that.)"""
    if participant is None or participant.workshop_id != photo.workshop_id:
        return False
    return not participant.workshop.results_hidden or participant.table_id == photo.table_id
