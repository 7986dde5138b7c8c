"""Photos from the tables, at the level of the domain functions: what is stored (upright, scaled,
no EXIF), what is refused (not a picture, too big, a decompression bomb) with nothing stored,
retries stored once, and the photos gone with their workshop."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Participant, TablePhoto, Workshop, utcnow
from facilitator.services import DomainError
from facilitator.services.participants import join_workshop
from facilitator.services.photos import PHOTO_LONG_SIDE, PHOTO_MAX_BYTES, add_photo, may_take_photos
from facilitator.services.retention import delete_workshop, purge_expired, set_retention
from facilitator.services.rounds import start_round
from facilitator.services.tables import seat, set_role, set_table_count
from facilitator.services.workshops import change_status

from support.factories import make_workshop


def jpeg_with_gps(width=4000, height=3000, orientation=None) -> bytes:
    """A camera's JPEG: GPS position, the phone's make and model, and maybe an orientation."""
    image = Image.new("RGB", (width, height), (200, 180, 150))
    image.paste((20, 40, 160), (0, 0, width // 4, height // 8))  # a mark in the top-left corner
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"          # Make
    exif[0x0110] = "Phone Model 12"      # Model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (59.0, 54.0, 40.0), "E", (10.0, 45.0, 8.0)
    if orientation:
        exif[0x0112] = orientation
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif, quality=80)
    return output.getvalue()


def png_bomb() -> bytes:
    """A tiny file that claims 40,000 × 40,000 pixels: 1.6 gigapixels when decoded."""
    output = io.BytesIO()
    Image.new("1", (40_000, 40_000)).save(output, "PNG", optimize=True)
    return output.getvalue()


@pytest.fixture
def cafe(app, facilitator):
    """A live workshop with two tables and a running round; a host at table 1 and a member."""
    workshop = make_workshop(app, facilitator.id)
    with app.app_context():
        w = db.session.get(Workshop, workshop.id)
        owner = db.session.get(Facilitator, facilitator.id)
        set_table_count(owner, w, 2)
        start_round(owner, w, 10, w.questions[0])
        host, member = join_workshop(w, "Host"), join_workshop(w, "Member")
        seat(host, w.tables[0])
        set_role(host, "host")
        seat(member, w.tables[0])
        db.session.commit()
        workshop.host_id, workshop.member_id = host.id, member.id
    return workshop


def stored_count(workshop_id: int) -> int:
    return db.session.scalar(select(func.count(TablePhoto.id)).where(TablePhoto.workshop_id == workshop_id))


def test_a_photo_is_stored_upright_scaled_and_without_exif(app, cafe):
    with app.app_context():
        host = db.session.get(Participant, cafe.host_id)
        # Orientation 6: the camera was held upright, the sensor's picture lies on its side.
        photo, created = add_photo(host, jpeg_with_gps(orientation=6), "Our cloth", client_id="up-1")
        db.session.commit()
        assert created
        stored = Image.open(io.BytesIO(photo.image))
        assert stored.format == "JPEG"
        assert stored.size == (photo.width, photo.height) == (1536, PHOTO_LONG_SIDE)
        assert not stored.getexif() and "exif" not in stored.info
        assert b"PhoneMaker" not in photo.image and b"Phone Model" not in photo.image
        # Turned upright: the mark from the sensor's top-left corner is now at the top right.
        assert stored.getpixel((stored.width - 10, 10))[0] < 100
        assert stored.getpixel((10, 10))[0] > 150
        assert photo.table_id == host.table_id and photo.round_id is not None
        assert photo.question_id == db.session.get(Workshop, cafe.id).questions[0].id
        assert photo.caption == "Our cloth"


def test_a_small_photo_is_not_enlarged(app, cafe):
    with app.app_context():
        photo, _ = add_photo(db.session.get(Participant, cafe.host_id), jpeg_with_gps(800, 600))
        assert (photo.width, photo.height) == (800, 600)


def test_a_retried_upload_is_stored_once(app, cafe):
    with app.app_context():
        host = db.session.get(Participant, cafe.host_id)
        first, created = add_photo(host, jpeg_with_gps(640, 480), client_id="retry-1")
        db.session.commit()
        again, created_again = add_photo(host, jpeg_with_gps(640, 480), client_id="retry-1")
        db.session.commit()
        assert created and not created_again and again.id == first.id
        assert stored_count(cafe.id) == 1


@pytest.mark.parametrize(("upload", "message"), [
    (b"%PDF-1.7 not a picture at all", "not a photo"),
    (b"", "choose a photo"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "not a photo"),  # a JPEG's first bytes, then nothing
    ("bomb", "too large in pixels"),
    ("huge", "larger than 25 MB"),
])
def test_what_is_not_a_photo_is_refused_and_nothing_is_stored(app, cafe, upload, message):
    upload = {"bomb": png_bomb(), "huge": b"\xff" * (30 * 1024 * 1024)}.get(upload, upload)
    with app.app_context():
        host = db.session.get(Participant, cafe.host_id)
        with pytest.raises(DomainError) as refused:
            add_photo(host, upload, client_id="bad-1")
        db.session.rollback()
        assert message in str(refused.value.message)
        assert stored_count(cafe.id) == 0
    assert PHOTO_MAX_BYTES < 30 * 1024 * 1024


def test_only_hosts_and_scribes_unless_the_facilitator_allows_everyone(app, cafe):
    with app.app_context():
        member = db.session.get(Participant, cafe.member_id)
        assert not may_take_photos(member)
        with pytest.raises(DomainError) as refused:
            add_photo(member, jpeg_with_gps(640, 480))
        assert "host or scribe" in str(refused.value.message)
        db.session.rollback()
        member.workshop.photos_from_everyone = True
        photo, created = add_photo(member, jpeg_with_gps(640, 480))
        db.session.commit()
        assert created and photo.table_id == member.table_id


def test_a_participant_without_a_table_cannot_add_one(app, cafe):
    with app.app_context():
        w = db.session.get(Workshop, cafe.id)
        w.photos_from_everyone = True
        loner = join_workshop(w, "Loner")
        with pytest.raises(DomainError) as refused:
            add_photo(loner, jpeg_with_gps(640, 480))
        assert "table first" in str(refused.value.message)


def test_photos_go_with_their_workshop(app, cafe, facilitator):
    with app.app_context():
        add_photo(db.session.get(Participant, cafe.host_id), jpeg_with_gps(640, 480))
        db.session.commit()
        delete_workshop(db.session.get(Workshop, cafe.id), db.session.get(Facilitator, facilitator.id))
        db.session.commit()
        assert stored_count(cafe.id) == 0
        assert db.session.scalar(select(func.count(TablePhoto.id))) == 0


def test_retention_deletes_the_photos(app, cafe, facilitator):
    with app.app_context():
        add_photo(db.session.get(Participant, cafe.host_id), jpeg_with_gps(640, 480))
        w = db.session.get(Workshop, cafe.id)
        change_status(w, "closed")
        set_retention(w, 30, archived=False)
        w.closed_at = utcnow() - timedelta(days=31)
        db.session.commit()
        assert [record.join_code for record in purge_expired()] == [cafe.join_code]
        db.session.commit()
        assert db.session.scalar(select(func.count(TablePhoto.id))) == 0
