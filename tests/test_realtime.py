"""Live updates: who may listen, and what they hear after each change."""
import pytest

from support.sockets import socket_client
from support.forms import Browser, csrf_token_in, join
from support.factories import make_facilitator, make_workshop


def events(sio, name):
    return [event["args"][0] for event in sio.get_received() if event["name"] == name]


def pushed(sio):
    """The suggestion items a client received, across coalesced messages."""
    return [item for message in events(sio, "suggestions") for item in message["items"]]


def post_suggestion(phone, workshop, text, question=0):
    page = phone.get(f"/j/{workshop.join_code}").get_data(as_text=True)
    return phone.post(f"/j/{workshop.join_code}/q/{workshop.question_ids[question]}",
                      data={"csrf_token": csrf_token_in(page), "text": text})


def test_anonymous_socket_is_refused(app, client, live_workshop):
    sio = socket_client(app, client, live_workshop)
    assert not sio.is_connected()


def test_unknown_workshop_is_refused(app, phone, live_workshop):
    from facilitator.infra.extensions import socketio
    sio = socketio.test_client(app, flask_test_client=phone, auth={"workshop": "NOPE42"})
    assert not sio.is_connected()


def test_participant_of_another_workshop_is_refused(app, phone, facilitator):
    other = make_workshop(app, facilitator.id)
    assert not socket_client(app, phone, other).is_connected()


def test_other_facilitator_is_refused(app, live_workshop):
    stranger = make_facilitator(app, "x@example.org", "X")
    browser = Browser(app.test_client())
    browser.submit("/auth/login", data={"email": stranger.email, "password": "correct horse battery"})
    assert not socket_client(app, browser.client, live_workshop).is_connected()


def test_new_suggestion_reaches_projector_and_phones_as_escaped_html(app, logged_in, phone, live_workshop):
    projector = socket_client(app, logged_in.client, live_workshop)
    other_phone = app.test_client()
    join(other_phone, live_workshop)
    listener = socket_client(app, other_phone, live_workshop)
    assert projector.is_connected() and listener.is_connected()
    projector.get_received(), listener.get_received()

    assert post_suggestion(phone, live_workshop, "Kaffe <b>nå</b>").status_code == 303

    for sio in (projector, listener):
        [event] = pushed(sio)
        assert event["question_id"] == live_workshop.question_ids[0] and event["shown"]
        assert "Kaffe &lt;b&gt;nå&lt;/b&gt;" in event["html"]
        assert event["html"].startswith('<li class="suggestion"') and event["seq"] >= 1


def test_event_numbers_grow(app, logged_in, phone, live_workshop):
    projector = socket_client(app, logged_in.client, live_workshop)
    for text in ("one", "two", "three"):
        post_suggestion(phone, live_workshop, text)
    seqs = [event["seq"] for event in pushed(projector)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


def test_a_refused_suggestion_is_not_broadcast(app, logged_in, phone, live_workshop):
    projector = socket_client(app, logged_in.client, live_workshop)
    projector.get_received()
    post_suggestion(phone, live_workshop, "   ")
    post_suggestion(phone, live_workshop, "closed one", question=1)
    assert pushed(projector) == []


def test_nothing_is_sent_when_the_commit_fails(app, logged_in, phone, live_workshop, monkeypatch):
    from facilitator.infra.extensions import db
    projector = socket_client(app, logged_in.client, live_workshop)
    projector.get_received()

    def failing_commit():
        raise RuntimeError("disk full")
    monkeypatch.setattr(db.session, "commit", failing_commit)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = post_suggestion(phone, live_workshop, "lost?")
    assert response.status_code == 500
    assert pushed(projector) == []


def test_switching_question_moves_projector_and_phones(app, logged_in, phone, live_workshop):
    projector = socket_client(app, logged_in.client, live_workshop)
    listener = socket_client(app, phone, live_workshop)
    projector.get_received(), listener.get_received()
    console = f"/host/workshops/{live_workshop.id}"
    second = live_workshop.question_ids[1]
    logged_in.submit(console, f"{console}/questions/{second}/show")

    [stage] = events(projector, "stage")
    assert "Second question?" in stage["html"] and f'data-suggestions-for="{second}"' in stage["html"]
    assert events(listener, "questions")
    # The phone's refetched panel now holds the second question.
    panel = phone.get(f"/j/{live_workshop.join_code}/panel").get_data(as_text=True)
    assert "Second question?" in panel


def test_stage_refetch_after_reconnect_has_everything(app, logged_in, phone, live_workshop):
    for text in ("a1", "a2"):
        post_suggestion(phone, live_workshop, text)
    stage = logged_in.get(f"/projector/{live_workshop.join_code}/stage").get_data(as_text=True)
    assert 'id="stage"' in stage and "a1" in stage and "a2" in stage


def test_status_change_tells_every_view(app, logged_in, phone, live_workshop):
    listener = socket_client(app, phone, live_workshop)
    listener.get_received()
    console = f"/host/workshops/{live_workshop.id}"
    logged_in.submit(console, f"{console}/status", {"status": "closed"})
    [event] = events(listener, "status")
    assert event["status"] == "closed" and event["by"] is not None


@pytest.mark.parametrize("view", ["projector", "console"])
def test_live_pages_load_the_live_script(logged_in, live_workshop, view):
    url = (f"/projector/{live_workshop.join_code}" if view == "projector"
           else f"/host/workshops/{live_workshop.id}")
    page = logged_in.get(url).get_data(as_text=True)
    assert f'data-live="{live_workshop.join_code}"' in page
    assert "/static/js/live.js" in page and "/static/vendor/socket.io.min.js" in page


def test_console_refetches_its_snapshot(app, logged_in, phone, live_workshop):
    post_suggestion(phone, live_workshop, "seen after a reconnect")
    fragment = logged_in.get(f"/host/workshops/{live_workshop.id}?fragment=console").get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="console-main"') and "seen after a reconnect" in fragment
    assert "<html" not in fragment


def test_pushes_are_coalesced_into_few_messages(app, logged_in, phone, live_workshop):
    import time
    app.config.update(LIVE_COALESCE_SECONDS=0.3, LIVE_COALESCE_SECONDS_PER_1000=10**6)
    projector = socket_client(app, logged_in.client, live_workshop)
    projector.get_received()
    for number in range(8):
        post_suggestion(phone, live_workshop, f"burst {number}")
    time.sleep(1.0)
    messages = events(projector, "suggestions")
    items = [item for message in messages for item in message["items"]]
    assert sorted(item["html"].split(">")[1].split("<")[0] for item in items) == sorted(f"burst {n}" for n in range(8))
    assert len(messages) < 8


def test_first_changes_after_a_quiet_spell_go_out_at_once_later_ones_together(app, logged_in, phone,
                                                                              live_workshop):
    import time
    # A window of 2 s, whatever the room's size: the first two pushes must not wait for it.
    app.config.update(LIVE_COALESCE_SECONDS=2.0, LIVE_COALESCE_SECONDS_PER_1000=10**6)
    projector = socket_client(app, logged_in.client, live_workshop)
    projector.get_received()

    def texts(items):
        return [item["html"].split(">")[1].split("<")[0] for item in items]

    for text in ("first", "second"):
        post_suggestion(phone, live_workshop, text)
        deadline = time.monotonic() + 1.0
        alone = []
        while not alone and time.monotonic() < deadline:
            alone = pushed(projector)
            time.sleep(0.02)
        assert texts(alone) == [text]
    post_suggestion(phone, live_workshop, "third")
    post_suggestion(phone, live_workshop, "fourth")
    time.sleep(0.3)
    assert pushed(projector) == []  # still inside the window
    time.sleep(2.5)
    messages = events(projector, "suggestions")
    assert len(messages) == 1
    assert texts(messages[0]["items"]) == ["third", "fourth"]


def test_the_coalescing_window_grows_with_the_room(app):
    live_pusher = app.extensions["live_pusher"]
    app.config.update(LIVE_COALESCE_SECONDS=0.25, LIVE_COALESCE_SECONDS_PER_1000=0.05)
    seminar, hall, conference = (live_pusher.window_for(n) for n in (36, 1000, 6000))
    assert seminar < 0.002 and abs(hall - 0.05) < 1e-9 and conference == 0.25
    # A push that started late means the process is behind (a burst): the next ones wait longer.
    assert live_pusher.window_for(1000, behind=0.01) == hall
    assert abs(live_pusher.window_for(1000, behind=0.2) - 0.1) < 1e-9
    assert live_pusher.window_for(4000, behind=0.2) == 0.25


def test_a_change_is_still_pushed_here_when_redis_is_away(app):
    from facilitator.live.bus import RedisBus
    delivered = []
    # Nothing listens on port 1: publishing fails at once.
    bus = RedisBus("redis://127.0.0.1:1/0", "facilitator:live", delivered.append)
    bus.publish({"workshop_id": 7, "seq": 3})
    assert delivered == [{"workshop_id": 7, "seq": 3}]


def test_a_malformed_change_on_the_bus_is_dropped_and_the_next_one_delivered(app):
    from facilitator.live.bus import RedisBus
    delivered = []
    bus = RedisBus("redis://127.0.0.1:1/0", "facilitator:live", delivered.append)
    bus.receive(b"{not json")
    bus.receive(b'{"workshop_id": 7, "seq": 4}')
    assert delivered == [{"workshop_id": 7, "seq": 4}]
