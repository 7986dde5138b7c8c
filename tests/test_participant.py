"""The participant's phone: join, send suggestions, see your own."""
import pytest
from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import Participant, Suggestion

from support.forms import Browser, csrf_token_in, join
from support.factories import make_workshop


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def send(client, workshop, text, question=0, client_id=None, htmx=False):
    question_id = workshop.question_ids[question]
    page = client.get(f"/j/{workshop.join_code}").get_data(as_text=True)
    data = {"csrf_token": csrf_token_in(page), "text": text}
    if client_id:
        data["client_id"] = client_id
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/j/{workshop.join_code}/q/{question_id}", data=data, headers=headers)


def test_join_by_typing_the_code_in_any_case(client, live_workshop):
    browser = Browser(client)
    typed = live_workshop.join_code.lower()
    typed = f"{typed[:3]} {typed[3:]}"
    response = browser.submit("/", "/join", {"code": typed})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/j/{live_workshop.join_code}")


def test_unknown_code_gets_a_clear_message(client, facilitator):
    response = Browser(client).submit("/", "/join", {"code": "ZZZZZZ"})
    assert response.status_code == 422
    assert "No workshop has that code" in response.get_data(as_text=True)


def test_joining_needs_no_account_and_the_phone_is_remembered(app, client, live_workshop):
    page = join(client, live_workshop, "Kari")
    assert "First question?" in page and "Kari" in page
    # A reload (or a lost connection) keeps the same participant.
    for _ in range(3):
        assert "First question?" in client.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    assert count(app, Participant) == 1


def test_name_is_optional(app, client, live_workshop):
    page = join(client, live_workshop)
    assert "Anonymous" in page
    assert count(app, Participant) == 1


def test_overlong_name_is_refused_with_a_message(app, client, live_workshop):
    url = f"/j/{live_workshop.join_code}"
    response = Browser(client).submit(url, f"{url}/join", {"display_name": "x" * 41})
    assert response.status_code == 422
    assert "at most 40 characters" in response.get_data(as_text=True)
    assert count(app, Participant) == 0


@pytest.mark.parametrize("status, message", [
    ("draft", "has not started yet"), ("closed", "has ended"),
])
def test_join_page_explains_a_workshop_that_is_not_live(app, client, facilitator, status, message):
    workshop = make_workshop(app, facilitator.id, status=status)
    page = client.get(f"/j/{workshop.join_code}").get_data(as_text=True)
    assert message in page


def test_suggestion_without_javascript_redirects_and_shows_as_own(app, phone, live_workshop):
    response = send(phone, live_workshop, "  Server en kopp kaffe  ")
    assert response.status_code == 303
    page = phone.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sent! Thank you." in page
    assert "Server en kopp kaffe" in page
    with app.app_context():
        stored = db.session.scalar(select(Suggestion))
        assert stored.text == "Server en kopp kaffe" and stored.original_text == stored.text
        assert stored.question_id == live_workshop.question_ids[0] and stored.status == "visible"


def test_suggestion_with_htmx_returns_the_form_emptied_and_the_own_list(app, phone, live_workshop):
    other = app.test_client()
    join(other, live_workshop, "Other")
    send(other, live_workshop, "Someone else's idea")
    response = send(phone, live_workshop, "Smil høres i telefonen", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    question_id = live_workshop.question_ids[0]
    assert html.lstrip().startswith(f'<div class="compose" id="q-{question_id}-compose">')
    assert "Smil høres i telefonen" in html  # under "Your suggestions"
    assert '></textarea>' in html  # the box is empty again
    # The room's list is not re-sent with every answer: the live pushes keep it current.
    assert "Someone else" not in html and "data-suggestions-for" not in html
    assert response.headers.get("Vary") and "HX-Request" in response.headers["Vary"]


def test_a_phone_lists_the_newest_of_a_large_room_and_pinned_ones(app, phone, live_workshop, monkeypatch):
    from facilitator.web import participant as phone_views
    monkeypatch.setattr(phone_views, "PHONE_ROOM_LIST_LENGTH", 3)
    for number in range(5):
        assert send(phone, live_workshop, f"Forslag {number}").status_code == 303
    with app.app_context():
        first = db.session.scalar(select(Suggestion).where(Suggestion.text == "Forslag 0"))
        first.pinned = True
        db.session.commit()
    page = phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    room = page.split('data-suggestions-for="%d"' % live_workshop.question_ids[0], 1)[1].split("</ul>", 1)[0]
    assert [f"Forslag {n}" in room for n in range(5)] == [True, False, True, True, True]
    assert room.index("Forslag 0") < room.index("Forslag 2") < room.index("Forslag 4")
    assert "Only the newest are listed here" in page
    assert 'data-keep="3"' in page


def test_many_suggestions_per_question_are_normal(app, phone, live_workshop):
    for number in range(19):
        assert send(phone, live_workshop, f"Forslag {number}").status_code == 303
    page = phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    assert all(f"Forslag {number}" in page for number in range(19))
    assert count(app, Suggestion) == 19


@pytest.mark.parametrize("text, message", [
    ("", "Please write something first."),
    ("   \u200b\u202e ", "Please write something first."),
    ("x" * 501, "Please shorten this to 500 characters (it has 501)."),
])
def test_bad_suggestion_is_refused_keeps_the_text_and_stores_nothing(app, phone, live_workshop, text, message):
    for htmx in (False, True):
        response = send(phone, live_workshop, text, htmx=htmx)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert message in html
        if text.strip():
            assert text[:50] in html
    assert count(app, Suggestion) == 0


def test_a_repeated_send_is_stored_once(app, phone, live_workshop):
    first = send(phone, live_workshop, "Once", client_id="abc-123")
    second = send(phone, live_workshop, "Once", client_id="abc-123")
    assert first.status_code == second.status_code == 303
    assert count(app, Suggestion) == 1


def test_each_rendered_form_carries_a_fresh_send_id(phone, live_workshop):
    page = phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    again = phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    import re
    ids = re.findall(r'name="client_id" value="([0-9a-f]{32})"', page + again)
    assert len(ids) == 2 and ids[0] != ids[1]


def test_closed_question_refuses_suggestions(app, phone, live_workshop):
    response = send(phone, live_workshop, "Too late", question=1, htmx=True)
    assert response.status_code == 422
    assert "closed for new suggestions" in response.get_data(as_text=True)
    response = send(phone, live_workshop, "Too late", question=1)
    assert "closed for new suggestions" in phone.get(response.headers["Location"]).get_data(as_text=True)
    assert count(app, Suggestion) == 0


def test_sending_without_joining_asks_to_join(app, client, live_workshop):
    page = client.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    response = client.post(f"/j/{live_workshop.join_code}/q/{live_workshop.question_ids[0]}",
                           data={"csrf_token": csrf_token_in(page), "text": "Sneaky"})
    assert response.status_code == 303
    assert count(app, Suggestion) == 0


def test_a_participant_cannot_post_to_another_workshops_question(app, phone, facilitator, live_workshop):
    other = make_workshop(app, facilitator.id)
    page = phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    response = phone.post(f"/j/{live_workshop.join_code}/q/{other.question_ids[0]}",
                          data={"csrf_token": csrf_token_in(page), "text": "Cross"})
    assert response.status_code == 404
    assert count(app, Suggestion) == 0


def test_user_text_is_never_markup(app, phone, live_workshop):
    send(phone, live_workshop, '<script>alert(1)</script><img src=x onerror=alert(2)>')
    page = phone.get(f"/j/{live_workshop.join_code}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_strict_security_headers(phone, live_workshop):
    response = phone.get(f"/j/{live_workshop.join_code}")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_event_numbers_grow_and_sends_leave_the_workshop_row_alone_on_postgresql(app, phone, live_workshop):
    from sqlalchemy import event
    from facilitator.models import Workshop
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)
    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", remember)
    try:
        for number in range(3):
            assert send(phone, live_workshop, f"Idé {number}").status_code == 303
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    with app.app_context():
        seqs = list(db.session.scalars(select(Suggestion.seq).order_by(Suggestion.id)))
        assert seqs == sorted(seqs) and len(set(seqs)) == 3
        workshop_seq = db.session.get(Workshop, live_workshop.id).event_seq
    locks_workshop = any(s.lstrip().upper().startswith("UPDATE WORKSHOPS") for s in statements)
    if engine.dialect.name == "postgresql":
        # A row lock held to commit queued every phone's send behind the others.
        assert not locks_workshop
    else:
        assert locks_workshop and workshop_seq == seqs[-1]
