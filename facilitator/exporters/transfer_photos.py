"""The tables' photos in the JSON transfer: each photo's JPEG in base64 beside its table, round
and question (by the file's own keys), checked on import as an upload from a phone is.

A photo in a file is only bytes someone could have made by hand: it passes ``prepare_photo``
(a picture Pillow reads, within the size and pixel limits, re-encoded without metadata) before
anything is written, and a bad one names its place in the file.
"""
from __future__ import annotations

import base64
import binascii
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import undefer

from facilitator.services import DomainError
from facilitator.services.import_checks import Checker, InvalidImport
from facilitator.services.photos import CAPTION_MAX_LENGTH, PHOTO_MAX_BYTES, prepare_photo
from facilitator.infra.extensions import db
from facilitator.models import TablePhoto, Workshop, utcnow

PHOTO_RECORD = {"table", "round", "question", "caption", "created_at", "image"}
# Base64 takes four characters for three bytes; anything longer decodes to more than an upload may be.
IMAGE_MAX_CHARACTERS = (PHOTO_MAX_BYTES + 2) // 3 * 4


def export_photos(workshop: Workshop, question_keys: dict, tables: dict, rounds: dict) -> list[dict]:
    """Every photo of the workshop, oldest first, its JPEG in base64."""
    photos = db.session.scalars(select(TablePhoto).where(TablePhoto.workshop_id == workshop.id)
                                .options(undefer(TablePhoto.image)).order_by(TablePhoto.id))
    return [{"table": tables.get(p.table_id), "round": rounds.get(p.round_id),
             "question": question_keys.get(p.question_id), "caption": p.caption,
             "created_at": p.created_at.astimezone(timezone.utc).isoformat() if p.created_at else None,
             "image": base64.b64encode(p.image).decode("ascii")} for p in photos]


def read_photos(records: list, plan: dict) -> list[dict]:
    """The file's photos checked (references, caption, the picture itself), or InvalidImport."""
    tables = {t["number"] for t in plan["tables"]}
    rounds = {r["number"] for r in plan["rounds"]}
    questions = {q["key"] for q in plan["questions"]}
    out = []
    for n, record in enumerate(records, start=1):
        c = Checker(record, _l("Photo %(num)d", num=n), PHOTO_RECORD)
        out.append({"table": c.reference("table", tables, _l("table")),
                    "round": c.reference("round", rounds, _l("round")),
                    "question": c.reference("question", questions, _l("question")),
                    "caption": c.text("caption", CAPTION_MAX_LENGTH),
                    "created_at": c.when("created_at", datetime), "prepared": read_image(c)})
    return out


def read_image(c: Checker):
    """The record's picture, decoded and prepared exactly as a phone's upload is."""
    value = c.get("image")
    if not isinstance(value, str) or len(value) > IMAGE_MAX_CHARACTERS:
        c.fail(_l("%(where)s: “%(field)s” must be a JPEG, PNG or WebP picture of at most %(max)d MB, in "
                  "base64.", where=c.where, field="image", max=PHOTO_MAX_BYTES // (1024 * 1024)))
    try:
        upload = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        c.fail(_l("%(where)s: “%(field)s” is not valid base64.", where=c.where, field="image"))
    try:
        return prepare_photo(upload)
    except DomainError as error:
        raise InvalidImport(_l("%(where)s: the photo cannot be imported. %(reason)s",
                               where=c.where, reason=error.message)) from None


def add_photos(workshop: Workshop, items: list[dict], ids: dict) -> None:
    """The checked photos stored on the new workshop; ``ids`` maps each kind of reference to its
    new objects (``question``, ``table``, ``round``)."""
    def new_id(kind, key):
        return ids[kind][key].id if key is not None else None
    db.session.add_all([TablePhoto(
        workshop_id=workshop.id, table_id=new_id("table", item["table"]), round_id=new_id("round", item["round"]),
        question_id=new_id("question", item["question"]), caption=item["caption"],
        width=item["prepared"].width, height=item["prepared"].height, image=item["prepared"].data,
        created_at=item["created_at"] or utcnow()) for item in items])


__all__ = ["add_photos", "export_photos", "read_photos"]
