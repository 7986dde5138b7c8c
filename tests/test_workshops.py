"""Preparing and steering workshops from the facilitator's side."""
import pytest
from sqlalchemy import select

from facilitator.infra.extensions import db
from facilitator.models import Question, Suggestion, Workshop
from facilitator.services.workshops import JOIN_CODE_ALPHABET, generate_join_code, normalise_join_code

from support.forms import Browser
from support.factories import PASSWORD, make_facilitator, make_workshop


def new_workshop(logged_in, **overrides):
    data = {"title": "Regional samling", "date": "2010-04-13", "start_time": "16:00",
            "end_time": "20:00", "place": "Gol", "theme": "Tilflytting", "language": "nb",
            "program": "Middag\nKafédialog", "questions": "Første spørsmål?\n\nAndre spørsmål?\n"}
    data.update(overrides)
    return logged_in.submit("/host/workshops/new", data=data)


def test_create_workshop_with_ordered_questions(app, logged_in):
    response = new_workshop(logged_in)
    assert response.status_code == 303
    with app.app_context():
        workshop = db.session.scalar(select(Workshop))
        assert workshop.title == "Regional samling" and workshop.status == "draft"
        assert workshop.language == "nb" and workshop.place == "Gol"
        assert [q.text for q in workshop.questions] == ["Første spørsmål?", "Andre spørsmål?"]
        assert workshop.start_time.hour == 16 and workshop.end_time.hour == 20
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Første spørsmål?" in page and "Go live" in page


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "Please give the workshop a title."),
    ({"title": "x" * 201}, "The title can be at most 200 characters."),
    ({"start_time": "20:00", "end_time": "16:00"}, "The end time must be after the start time."),
    ({"date": "13.04.2010"}, "Not a valid date value."),
])
def test_bad_workshop_input_is_explained_and_changes_nothing(app, logged_in, overrides, message):
    response = new_workshop(logged_in, **overrides)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Workshop)) is None


def test_facilitators_see_only_their_own_workshops(app, facilitator, logged_in):
    mine = make_workshop(app, facilitator.id, title="Mine")
    other = make_facilitator(app, "bo@example.org", "Bo")
    theirs = make_workshop(app, other.id, title="Theirs")
    dashboard = logged_in.get("/host/").get_data(as_text=True)
    assert "Mine" in dashboard and "Theirs" not in dashboard
    assert logged_in.get(f"/host/workshops/{theirs.id}").status_code == 404
    assert logged_in.get(f"/projector/{theirs.join_code}").status_code == 404
    assert logged_in.get(f"/export/{theirs.id}/minutes.md").status_code == 404
    response = logged_in.submit(f"/host/workshops/{mine.id}", f"/host/workshops/{theirs.id}/status",
                                {"status": "closed"})
    assert response.status_code == 404


def test_pages_need_login(client, live_workshop):
    for url in ["/host/", f"/host/workshops/{live_workshop.id}", f"/projector/{live_workshop.join_code}",
                f"/export/{live_workshop.id}/minutes.md"]:
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url


def test_edit_workshop_details(app, facilitator, logged_in):
    workshop = make_workshop(app, facilitator.id, status="draft")
    url = f"/host/workshops/{workshop.id}/edit"
    response = logged_in.submit(url, data={"title": "Renamed", "language": "sv", "place": "Åre"})
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.get(Workshop, workshop.id)
        assert (stored.title, stored.language, stored.place) == ("Renamed", "sv", "Åre")


def test_add_edit_reorder_and_delete_questions(app, facilitator, logged_in):
    workshop = make_workshop(app, facilitator.id, status="draft", questions=["A?", "B?"])
    console = f"/host/workshops/{workshop.id}"
    logged_in.submit(console, f"{console}/questions", {"text": "C?"})
    a, b = workshop.question_ids
    logged_in.submit(console, f"{console}/questions/{a}", {"text": "A, reworded?"})
    response = logged_in.submit(console, f"{console}/questions/{a}/down", headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="console-main"' in response.get_data(as_text=True)
    logged_in.submit(console, f"{console}/questions/{b}/delete")
    with app.app_context():
        texts = [q.text for q in db.session.get(Workshop, workshop.id).questions]
    assert texts == ["A, reworded?", "C?"]


def test_empty_question_is_refused_with_a_message(app, facilitator, logged_in):
    workshop = make_workshop(app, facilitator.id, status="draft", questions=["A?"])
    console = f"/host/workshops/{workshop.id}"
    response = logged_in.submit(console, f"{console}/questions", {"text": "   "},
                                headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Please write the question." in response.get_data(as_text=True)


def test_question_with_suggestions_cannot_be_deleted(app, facilitator, logged_in, phone, live_workshop):
    question_id = live_workshop.question_ids[0]
    Browser(phone).submit(f"/j/{live_workshop.join_code}",
                          f"/j/{live_workshop.join_code}/q/{question_id}", {"text": "Keep me"})
    console = f"/host/workshops/{live_workshop.id}"
    response = logged_in.submit(console, f"{console}/questions/{question_id}/delete",
                                headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "cannot be deleted" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Question, question_id) is not None
        assert db.session.scalar(select(Suggestion.text)) == "Keep me"


def test_status_goes_draft_live_closed_and_can_reopen(app, facilitator, logged_in):
    workshop = make_workshop(app, facilitator.id, status="draft")
    console = f"/host/workshops/{workshop.id}"
    for target, expected in [("closed", "draft"), ("live", "live"), ("closed", "closed"), ("live", "live")]:
        logged_in.submit(console, f"{console}/status", {"status": target})
        with app.app_context():
            assert db.session.get(Workshop, workshop.id).status == expected


def test_going_live_needs_a_question_and_opens_the_first(app, facilitator, logged_in):
    empty = make_workshop(app, facilitator.id, status="draft", questions=[])
    console = f"/host/workshops/{empty.id}"
    page = logged_in.submit(console, f"{console}/status", {"status": "live"}, follow=True)
    assert "Add at least one question before going live." in page.get_data(as_text=True)
    workshop = make_workshop(app, facilitator.id, status="draft")
    console = f"/host/workshops/{workshop.id}"
    logged_in.submit(console, f"{console}/status", {"status": "live"})
    with app.app_context():
        stored = db.session.get(Workshop, workshop.id)
        assert stored.current_question_id == workshop.question_ids[0]
        assert stored.questions[0].is_open and not stored.questions[1].is_open


def test_join_codes_are_readable_and_unambiguous(app):
    with app.app_context():
        codes = {generate_join_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 6 and set(code) <= set(JOIN_CODE_ALPHABET)
    assert not set("0O1IL") & set(JOIN_CODE_ALPHABET)
    assert normalise_join_code(" abc-234 ") == "ABC234"


def test_console_shows_join_code_qr_and_link(app, facilitator, logged_in, live_workshop):
    page = logged_in.get(f"/host/workshops/{live_workshop.id}").get_data(as_text=True)
    assert f"http://localhost/j/{live_workshop.join_code}" in page
    assert '<svg viewBox="0 0' in page and 'class="qr"' in page
    code = live_workshop.join_code
    assert f"{code[:3]} {code[3:]}" in page


def test_second_facilitator_can_log_in_separately(app, facilitator):
    other = make_facilitator(app, "bo@example.org", "Bo")
    browser = Browser(app.test_client())
    response = browser.submit("/auth/login", data={"email": other.email, "password": PASSWORD})
    assert response.status_code == 303
