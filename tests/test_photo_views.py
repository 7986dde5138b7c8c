"""Photos from the tables over HTTP: a host's phone uploads with a plain form (no JavaScript), the
console and the projector show the photo, refusals say why and store nothing, a retry is stored
once, and the picture reaches only the workshop's people."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from facilitator.infra.extensions import db
from facilitator.models import Facilitator, Participant, TablePhoto, Workshop
from facilitator.services.tables import set_table_count

from support.forms import Browser, csrf_token_in, join
from support.factories import PASSWORD, make_facilitator
from test_photos import jpeg_with_gps, png_bomb


@pytest.fixture
def seated_host(app, facilitator, live_workshop):
    """Two tables; a phone joined and hosts table 1."""
    with app.app_context():
        w = db.session.get(Workshop, live_workshop.id)
        set_table_count(db.session.get(Facilitator, facilitator.id), w, 2)
        db.session.commit()
    client = app.test_client()
    join(client, live_workshop, "Hanne")
    browser = Browser(client)
    url = f"/j/{live_workshop.join_code}"
    response = browser.submit(url, f"{url}/table", {"table": "1", "host": "y"})
    assert response.status_code == 303
    return client


def upload(client, workshop, photo: bytes, caption="Our cloth", client_id="photo-1", **kwargs):
    page = client.get(f"/j/{workshop.join_code}").get_data(as_text=True)
    fields = {"csrf_token": csrf_token_in(page), "caption": caption, "client_id": client_id,
              "photo": FileStorage(io.BytesIO(photo), "IMG_0042.jpg", content_type="image/jpeg")}
    # Encoded in memory: the test client would spool a big body to a file it never closes.
    boundary, body = encode_multipart(fields)
    return client.post(f"/j/{workshop.join_code}/photos", input_stream=io.BytesIO(body),
                       content_type=f"multipart/form-data; boundary={boundary}",
                       content_length=len(body), **kwargs)


def photo_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(TablePhoto.id)))


def test_the_phone_offers_the_camera_to_the_host_only(app, seated_host, live_workshop):
    page = seated_host.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    assert 'enctype="multipart/form-data"' in page
    member = app.test_client()
    join(member, live_workshop, "Member")
    assert 'capture="environment"' not in member.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)


def test_a_host_uploads_and_the_console_and_projector_show_it(app, seated_host, live_workshop, logged_in):
    response = upload(seated_host, live_workshop, jpeg_with_gps(3000, 2000))
    assert response.status_code == 303 and response.headers["Location"].endswith("#table-photos")
    page = seated_host.get(response.headers["Location"]).get_data(as_text=True)
    assert "Photo saved" in page and 'alt="Our cloth"' in page
    with app.app_context():
        photo = db.session.scalar(select(TablePhoto))
        photo_url = f"/j/{live_workshop.join_code}/photos/{photo.id}"
        assert (photo.width, photo.height) == (2048, 1365)
    console = logged_in.get(f"/host/workshops/{live_workshop.id}/photos").get_data(as_text=True)
    assert photo_url in console and "Table 1" in console
    picture = logged_in.get(photo_url)
    assert picture.status_code == 200 and picture.content_type == "image/jpeg"
    assert b"Exif" not in picture.data[:200]
    browser = logged_in
    browser.submit(f"/host/workshops/{live_workshop.id}/suggestions",
                   f"/host/workshops/{live_workshop.id}/projector", {"view": "photos", "group": "none"})
    stage = logged_in.get(f"/projector/{live_workshop.join_code}/stage").get_data(as_text=True)
    assert photo_url in stage and "Our cloth" in stage


def test_a_retried_upload_is_stored_once(app, seated_host, live_workshop):
    for _ in range(2):
        assert upload(seated_host, live_workshop, jpeg_with_gps(640, 480), client_id="same-1").status_code == 303
    assert photo_count(app) == 1


@pytest.mark.parametrize(("photo", "message"), [
    (b"GIF89a? no, a text file", "not a photo we can read"),
    ("bomb", "too large in pixels"),
    ("30 MB", "larger than 25 MB"),
])
def test_a_refused_upload_says_why_keeps_the_caption_and_stores_nothing(app, seated_host, live_workshop,
                                                                         photo, message):
    photo = {"bomb": png_bomb(), "30 MB": b"\xff\xd8" + b"\x00" * (30 * 1024 * 1024)}.get(photo, photo)
    response = upload(seated_host, live_workshop, photo, caption="Zq cloth words")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'data-testid="photo-error"' in page
    if len(photo) < 1024 * 1024:  # a body over the limit is never read, its caption with it
        assert 'value="Zq cloth words"' in page
    assert photo_count(app) == 0


def test_a_refusal_is_translated(app, seated_host, live_workshop):
    seated_host.post(f"/j/{live_workshop.join_code}/language", data={
        "csrf_token": csrf_token_in(seated_host.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)),
        "locale": "nb"})
    page = upload(seated_host, live_workshop, b"not a picture").get_data(as_text=True)
    assert "ikke et bilde" in page


def test_a_member_is_refused_until_the_facilitator_allows_everyone(app, live_workshop, seated_host, logged_in):
    member = app.test_client()
    join(member, live_workshop, "Member")
    Browser(member).submit(f"/j/{live_workshop.join_code}", f"/j/{live_workshop.join_code}/table", {"table": "2"})
    response = upload(member, live_workshop, jpeg_with_gps(640, 480))
    assert response.status_code == 422 and "host or scribe" in response.get_data(as_text=True)
    logged_in.submit(f"/host/workshops/{live_workshop.id}/photos",
                     f"/host/workshops/{live_workshop.id}/photos/settings", {"everyone": "y"})
    assert upload(member, live_workshop, jpeg_with_gps(640, 480)).status_code == 303
    with app.app_context():
        photo = db.session.scalar(select(TablePhoto))
        assert photo.table.number == 2


def test_the_picture_reaches_only_the_workshops_people(app, seated_host, live_workshop):
    upload(seated_host, live_workshop, jpeg_with_gps(640, 480))
    with app.app_context():
        url = f"/j/{live_workshop.join_code}/photos/{db.session.scalar(select(TablePhoto.id))}"
    assert seated_host.get(url).status_code == 200
    assert app.test_client().get(url).status_code == 404
    stranger = make_facilitator(app, "stranger@example.org", "Stranger")
    other = Browser(app.test_client())
    other.submit("/auth/login", data={"email": stranger.email, "password": PASSWORD})
    assert other.get(url).status_code == 404


def test_a_facilitator_removes_a_photo(app, seated_host, live_workshop, logged_in):
    upload(seated_host, live_workshop, jpeg_with_gps(640, 480))
    with app.app_context():
        photo_id = db.session.scalar(select(TablePhoto.id))
    response = logged_in.submit(f"/host/workshops/{live_workshop.id}/photos",
                                f"/host/workshops/{live_workshop.id}/photos/{photo_id}/delete")
    assert response.status_code == 303
    assert photo_count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Participant.id))) == 1
