"""The minutes' photos: each table's photos under their question, table and round.

A stored photo is up to PHOTO_LONG_SIDE pixels; a document page needs far fewer, so the minutes
carry a copy scaled to DOCUMENT_LONG_SIDE (a PDF with a dozen photos stays a few megabytes).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from facilitator.infra.extensions import db
from facilitator.models import TablePhoto, Workshop

# Sharp across an A4 page's text width (17 cm at ~180 dpi), a fraction of the stored bytes.
DOCUMENT_LONG_SIDE = 1200
DOCUMENT_QUALITY = 80


@dataclass
class MinutesPhoto:
    """One photo as the documents show it; ``image`` is the scaled JPEG, empty when left out."""
    id: int
    # The question the table was discussing, by its number in the minutes (None: none or removed).
    question: int | None
    table: int | None
    table_name: str
    round: int | None
    caption: str
    width: int
    height: int
    stored_bytes: int
    image: bytes = b""
    image_width: int = 0
    image_height: int = 0
    created_at: datetime | None = None


def compile_photos(workshop: Workshop, with_images: bool) -> list[MinutesPhoto]:
    """The workshop's photos, oldest first; their scaled pictures only when the documents show them."""
    query = (select(TablePhoto).where(TablePhoto.workshop_id == workshop.id)
             .options(selectinload(TablePhoto.table), selectinload(TablePhoto.round), undefer(TablePhoto.image))
             .order_by(TablePhoto.id))
    numbers = {question.id: number for number, question in enumerate(workshop.questions, start=1)}
    compiled = []
    for photo in db.session.scalars(query):
        item = MinutesPhoto(
            id=photo.id, question=numbers.get(photo.question_id), table=photo.table.number if photo.table else None,
            table_name=photo.table.name if photo.table else "", round=photo.round.number if photo.round else None,
            caption=photo.caption, width=photo.width, height=photo.height,
            stored_bytes=len(photo.image), created_at=photo.created_at)
        if with_images:
            item.image, item.image_width, item.image_height = document_image(photo.image)
        compiled.append(item)
    return compiled


@lru_cache(maxsize=32)
def document_image(stored: bytes) -> tuple[bytes, int, int]:
    """The stored JPEG scaled to DOCUMENT_LONG_SIDE (never up), and its size in pixels.

    Cached by content: the preview recompiles the minutes at every keystroke's pause."""
    with Image.open(io.BytesIO(stored)) as image:
        if max(image.size) <= DOCUMENT_LONG_SIDE:
            return stored, image.width, image.height
        image.draft("RGB", (DOCUMENT_LONG_SIDE, DOCUMENT_LONG_SIDE))
        scaled = image.convert("RGB")
        scaled.thumbnail((DOCUMENT_LONG_SIDE, DOCUMENT_LONG_SIDE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    scaled.save(output, "JPEG", quality=DOCUMENT_QUALITY, optimize=True)
    return output.getvalue(), scaled.width, scaled.height
