"""The tables' photos and who may take them travel in the JSON export and back; a photo in a file
is checked as an upload from a phone is (not a picture, a decompression bomb, bad base64: refused
with a message naming the photo, nothing written)."""
from __future__ import annotations

import base64
import copy
import io
import json

import pytest
from PIL import Image
from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import Facilitator, TablePhoto, Workshop
from facilitator.services.photos import set_photos_from_everyone
from facilitator.exporters.transfer import InvalidImport, export_workshop, import_json

from test_minutes_photos import CAPTION, camera_photo, photographed  # noqa: F401 (a fixture)
from test_photos import png_bomb


def exported(app, workshop_id) -> dict:
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        set_photos_from_everyone(workshop, True)
        db.session.commit()
        # Through text, as the file goes.
        return json.loads(json.dumps(export_workshop(workshop)))


def photo_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(TablePhoto.id)))


def test_photos_and_who_may_take_them_survive_a_round_trip(app, facilitator, photographed):  # noqa: F811
    data = exported(app, photographed.id)
    assert data["version"] == 5 and data["workshop"]["photos_from_everyone"] is True
    assert [(p["table"], p["round"], p["question"], p["caption"]) for p in data["photos"]] == [
        (1, 1, "q1", CAPTION), (2, 1, "q1", "")]
    with app.app_context():
        copy_ = import_json(json.dumps(data), db.session.get(Facilitator, facilitator.id))
        db.session.commit()
        copy_id = copy_.id
        assert copy_.photos_from_everyone is True
        photos = db.session.scalars(select(TablePhoto).where(TablePhoto.workshop_id == copy_id)
                                    .order_by(TablePhoto.id)).all()
        assert [(p.table.number, p.round.number, p.question.text, p.caption) for p in photos] == [
            (1, 1, "Hva kan servicetorget gjøre?", CAPTION), (2, 1, "Hva kan servicetorget gjøre?", "")]
        for photo in photos:
            with Image.open(io.BytesIO(photo.image)) as picture:
                assert picture.format == "JPEG" and picture.size == (photo.width, photo.height) == (2048, 1536)
        again = export_workshop(db.session.get(Workshop, copy_id))
    assert [{k: v for k, v in p.items() if k != "image"} for p in again["photos"]] == [
        {k: v for k, v in p.items() if k != "image"} for p in data["photos"]]


def as_base64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize("image, message", [
    ("not base64 at all!", "Photo 2: “image” is not valid base64."),
    (as_base64(b"%PDF-1.7 not a photo"), "Photo 2: the photo cannot be imported. This file is not a photo we can read."),
    (as_base64(png_bomb()), "Photo 2: the photo cannot be imported. This picture is too large in pixels"),
    (12345, "Photo 2: “image” must be a JPEG, PNG or WebP picture of at most 25 MB, in base64."),
])
def test_a_bad_photo_in_a_file_is_refused_by_name_and_nothing_is_written(app, facilitator, photographed,  # noqa: F811
                                                                         image, message):
    data = copy.deepcopy(exported(app, photographed.id))
    data["photos"][1]["image"] = image
    photos_before = photo_count(app)
    with app.app_context():
        workshops_before = db.session.scalar(select(func.count(Workshop.id)))
        with pytest.raises(InvalidImport) as error:
            import_json(json.dumps(data), db.session.get(Facilitator, facilitator.id))
        db.session.rollback()
        assert db.session.scalar(select(func.count(Workshop.id))) == workshops_before
    assert str(error.value.message).startswith(message), str(error.value.message)
    assert photo_count(app) == photos_before


def test_a_photo_refers_to_a_table_in_the_file(app, facilitator, photographed):  # noqa: F811
    data = exported(app, photographed.id)
    data["photos"][0]["table"] = 9
    with app.app_context():
        with pytest.raises(InvalidImport) as error:
            import_json(json.dumps(data), db.session.get(Facilitator, facilitator.id))
    assert "Photo 1: “table” refers to table “9”, which is not in the file." == str(error.value.message)


def test_an_older_file_without_photos_still_imports(app, facilitator, photographed):  # noqa: F811
    data = exported(app, photographed.id)
    data["version"] = 4
    del data["photos"]
    del data["workshop"]["photos_from_everyone"]
    with app.app_context():
        copy_ = import_json(json.dumps(data), db.session.get(Facilitator, facilitator.id))
        assert copy_.photos_from_everyone is False
        assert not db.session.scalar(select(func.count(TablePhoto.id)).where(TablePhoto.workshop_id == copy_.id))
