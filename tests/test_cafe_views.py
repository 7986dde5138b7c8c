"""The café dialogue through the web: console pages and forms, the phone, the projector."""
import re

import pytest
from sqlalchemy import func, select

from facilitator.infra.extensions import db
from facilitator.models import Action, ModerationEvent, Participant, Suggestion, Theme, Workshop

from support.sockets import socket_client
from support.forms import Browser, csrf_token_in
from support.factories import make_facilitator, make_workshop


def console(workshop, page=""):
    return f"/host/workshops/{workshop.id}{page}"


def events(sio, name):
    return [event["args"][0] for event in sio.get_received() if event["name"] == name]


def phone_send(client, workshop, text, question=0):
    page = client.get(f"/j/{workshop.join_code}").get_data(as_text=True)
    return client.post(f"/j/{workshop.join_code}/q/{workshop.question_ids[question]}",
                       data={"csrf_token": csrf_token_in(page), "text": text})


def join_at_table(app, workshop, table, host=False, name=""):
    client = app.test_client()
    url = f"/j/{workshop.join_code}"
    data = {"display_name": name, "table": str(table)}
    if host:
        data["host"] = "y"
    response = Browser(client).submit(url, f"{url}/join", data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


@pytest.fixture
def cafe(app, logged_in, live_workshop):
    response = logged_in.submit(console(live_workshop, "/cafe"), console(live_workshop, "/cafe/settings"),
                                {"table_count": "3", "table_mode": "same"})
    assert response.status_code == 303
    return live_workshop


def test_every_console_page_renders(logged_in, cafe):
    for page in ["", "/cafe", "/suggestions", "/actions", "/team", "/minutes"]:
        response = logged_in.get(console(cafe, page))
        assert response.status_code == 200, page
        assert cafe.join_code in response.get_data(as_text=True) or page == "/minutes"


def test_phone_picks_a_table_and_sees_it(app, cafe):
    phone = join_at_table(app, cafe, 3, name="Kari")
    page = phone.get(f"/j/{cafe.join_code}").get_data(as_text=True)
    assert re.search(r'data-testid="table-label">Table 3', page)
    with app.app_context():
        person = db.session.scalar(select(Participant))
        assert person.table.number == 3 and not person.is_table_host


def test_second_host_for_a_table_is_refused_with_a_message(app, cafe):
    join_at_table(app, cafe, 2, host=True)
    client = app.test_client()
    url = f"/j/{cafe.join_code}"
    response = Browser(client).submit(url, f"{url}/join", {"table": "2", "host": "y"})
    assert response.status_code == 422
    assert "Table 2 already has a host." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Participant.id))) == 1


def test_facilitator_seats_and_makes_a_host(app, logged_in, cafe):
    phone = join_at_table(app, cafe, 0)
    with app.app_context():
        person_id = db.session.scalar(select(Participant.id))
    logged_in.submit(console(cafe, "/cafe"), console(cafe, f"/cafe/participants/{person_id}"),
                     {"table": "1", "role": "host"})
    page = phone.get(f"/j/{cafe.join_code}").get_data(as_text=True)
    assert "Table 1" in page and "Table host" in page


def test_rounds_countdown_and_where_to_go_next(app, logged_in, cafe):
    host = join_at_table(app, cafe, 1, host=True)
    mover = join_at_table(app, cafe, 1)
    response = logged_in.submit(console(cafe, "/cafe"), console(cafe, "/cafe/rounds"),
                                {"minutes": "15", "question_id": str(cafe.question_ids[0])})
    assert response.status_code == 303
    page = mover.get(f"/j/{cafe.join_code}").get_data(as_text=True)
    ends = int(re.search(r'data-ends-at="(\d+)"', page).group(1))
    now = int(re.search(r'data-server-now="(\d+)"', page).group(1))
    assert 14 * 60 * 1000 < ends - now <= 15 * 60 * 1000
    assert "Round 1" in page
    logged_in.submit(console(cafe, "/cafe"), console(cafe, "/cafe/rounds/end"))
    moved = mover.get(f"/j/{cafe.join_code}").get_data(as_text=True)
    assert "Round 1 has ended" in moved and "Move to table 2 for the next round." in moved
    assert "you are the host" in host.get(f"/j/{cafe.join_code}").get_data(as_text=True)
    logged_in.submit(console(cafe, "/cafe"), console(cafe, "/cafe/rounds"),
                     {"minutes": "10", "question_id": str(cafe.question_ids[1])})
    assert re.search(r'data-testid="table-label">Table 2', mover.get(f"/j/{cafe.join_code}").get_data(as_text=True))


def test_round_two_is_offered_with_round_ones_length(app, logged_in, cafe):
    page = logged_in.get(console(cafe, "/cafe")).get_data(as_text=True)
    assert re.search(r'id="round-minutes"[^>]*value="15"', page)
    logged_in.submit(console(cafe, "/cafe"), console(cafe, "/cafe/rounds"),
                     {"minutes": "20", "question_id": str(cafe.question_ids[0])})
    page = logged_in.get(console(cafe, "/cafe")).get_data(as_text=True)
    assert re.search(r'id="round-minutes"[^>]*value="20"', page)


def test_bad_round_length_is_explained(logged_in, cafe):
    page = logged_in.submit(console(cafe, "/cafe"), console(cafe, "/cafe/rounds"), {"minutes": "soon"},
                            follow=True).get_data(as_text=True)
    assert "Give the round&#39;s length in minutes" in page or "Give the round's length in minutes" in page


def test_host_writes_for_the_table(app, cafe):
    host = join_at_table(app, cafe, 2, host=True)
    page = host.get(f"/j/{cafe.join_code}").get_data(as_text=True)
    assert "Write for Table 2" in page
    phone_send(host, cafe, "Notert ved bordet")
    with app.app_context():
        assert db.session.scalar(select(Suggestion.table_id)) is not None


def moderate(logged_in, workshop, suggestion_id, act, data=None):
    return logged_in.submit(console(workshop, "/suggestions"),
                            console(workshop, f"/suggestions/{suggestion_id}/{act}"), data or {},
                            headers={"HX-Request": "true"})


def test_hide_edit_pin_merge_reach_the_projector_and_are_logged(app, logged_in, phone, cafe):
    for text in ("Server kaffe", "Server en kopp kaffe", "Tull"):
        phone_send(phone, cafe, text)
    with app.app_context():
        ids = {s.text: s.id for s in db.session.scalars(select(Suggestion))}
    projector = socket_client(app, logged_in.client, cafe)
    projector.get_received()
    assert moderate(logged_in, cafe, ids["Tull"], "hide").status_code == 200
    items = [i for m in events(projector, "suggestions") for i in m["items"]]
    assert {"id": ids["Tull"], "shown": False} .items() <= items[-1].items()
    moderate(logged_in, cafe, ids["Server en kopp kaffe"], "edit", {"text": "Server en god kopp kaffe"})
    moderate(logged_in, cafe, ids["Server en kopp kaffe"], "pin")
    moderate(logged_in, cafe, ids["Server kaffe"], "merge", {"target": str(ids["Server en kopp kaffe"])})
    stage = logged_in.get(f"/projector/{cafe.join_code}/stage").get_data(as_text=True)
    assert "Server en god kopp kaffe" in stage and "Tull" not in stage and ">Server kaffe<" not in stage
    assert 'class="suggestion pinned"' in stage
    with app.app_context():
        edited = db.session.get(Suggestion, ids["Server en kopp kaffe"])
        assert edited.original_text == "Server en kopp kaffe"
        actions = db.session.scalars(select(ModerationEvent.action)).all()
    assert ["hide", "edit", "pin", "merge"] == [a for a in actions if a in ("hide", "edit", "pin", "merge")]
    log = logged_in.get(console(cafe, "/team")).get_data(as_text=True)
    assert "Merged two suggestions" in log and "Anne Facilitator" in log


def test_pre_moderation_queue(app, logged_in, phone, cafe):
    logged_in.submit(console(cafe, "/suggestions"), console(cafe, "/moderation"), {"mode": "pre"})
    phone_send(phone, cafe, "Vent på meg")
    stage = logged_in.get(f"/projector/{cafe.join_code}/stage").get_data(as_text=True)
    assert "Vent på meg" not in stage
    board = logged_in.get(console(cafe, "/suggestions")).get_data(as_text=True)
    assert "waits for approval" in board
    with app.app_context():
        suggestion_id = db.session.scalar(select(Suggestion.id))
    moderate(logged_in, cafe, suggestion_id, "approve")
    assert "Vent på meg" in logged_in.get(f"/projector/{cafe.join_code}/stage").get_data(as_text=True)


def test_hide_results_until_revealed(app, logged_in, phone, cafe):
    phone_send(phone, cafe, "Skjult til videre")
    logged_in.submit(console(cafe, "/suggestions"), console(cafe, "/results/hide"))
    stage = logged_in.get(f"/projector/{cafe.join_code}/stage").get_data(as_text=True)
    assert "Skjult til videre" not in stage and "1 suggestion so far" in stage
    logged_in.submit(console(cafe, "/suggestions"), console(cafe, "/results/reveal"))
    assert "Skjult til videre" in logged_in.get(f"/projector/{cafe.join_code}/stage").get_data(as_text=True)


def test_dot_voting_from_the_phone_and_the_ranking(app, logged_in, phone, cafe):
    for text in ("A", "B"):
        phone_send(phone, cafe, text)
    with app.app_context():
        ids = {s.text: s.id for s in db.session.scalars(select(Suggestion))}
    question = cafe.question_ids[0]
    logged_in.submit(console(cafe, "/suggestions"), console(cafe, f"/questions/{question}/voting/open"),
                     {"budget": "3", "max_per_item": "2"})
    page = phone.get(f"/j/{cafe.join_code}").get_data(as_text=True)
    assert "You have 3 dots left." in page
    token = csrf_token_in(page)
    for suggestion, dots, status in [("B", 2, 200), ("A", 2, 422), ("A", 1, 200), ("A", 3, 422)]:
        response = phone.post(f"/j/{cafe.join_code}/vote/{ids[suggestion]}",
                              data={"csrf_token": token, "dots": str(dots)}, headers={"HX-Request": "true"})
        assert response.status_code == status, (suggestion, dots)
    assert "You have 0 dots left." in response.get_data(as_text=True)
    tally = logged_in.get(f"/projector/{cafe.join_code}/stage").get_data(as_text=True)
    assert 'data-testid="tally"' in tally and "1 person has voted" in tally
    logged_in.submit(console(cafe, "/suggestions"), console(cafe, f"/questions/{question}/voting/close"))
    ranking = logged_in.get(f"/projector/{cafe.join_code}/stage").get_data(as_text=True)
    assert re.search(r"tally-rank\">1\.</span> B<", ranking) and re.search(r"tally-rank\">2\.</span> A<", ranking)
    refused = phone.post(f"/j/{cafe.join_code}/vote/{ids['A']}", data={"csrf_token": token, "dots": "0"})
    assert refused.status_code == 303
    assert "Voting is not open" in phone.get(refused.headers["Location"]).get_data(as_text=True)


def test_themes_and_actions_from_the_console(app, logged_in, phone, cafe):
    phone_send(phone, cafe, "Velkomstpakke")
    with app.app_context():
        suggestion_id = db.session.scalar(select(Suggestion.id))
    logged_in.submit(console(cafe, "/suggestions"), console(cafe, f"/themes?question={cafe.question_ids[0]}"),
                     {"name": "Velkomst"})
    with app.app_context():
        theme_id = db.session.scalar(select(Theme.id))
    moderate(logged_in, cafe, suggestion_id, "theme", {"theme": str(theme_id)})
    logged_in.submit(console(cafe, "/suggestions"), console(cafe, "/projector"), {"view": "list", "group": "theme"})
    stage = logged_in.get(f"/projector/{cafe.join_code}/stage").get_data(as_text=True)
    assert re.search(r'group-title">Velkomst</h2>', stage)
    logged_in.submit(console(cafe, "/suggestions"), console(cafe, f"/suggestions/{suggestion_id}/action"),
                     {"what": "Lage pakke", "owner": "Kari", "due_date": "2026-12-01"})
    bad = logged_in.submit(console(cafe, "/actions"), console(cafe, "/actions"),
                           {"what": "Noe", "due_date": "1. desember"}, follow=True)
    assert "Write the date as year-month-day" in bad.get_data(as_text=True)
    with app.app_context():
        [action] = db.session.scalars(select(Action)).all()
        assert (action.what, action.owner, action.due_date.isoformat()) == ("Lage pakke", "Kari", "2026-12-01")
    assert "Lage pakke" in logged_in.get(console(cafe, "/actions")).get_data(as_text=True)


def test_word_cloud_on_the_projector(app, logged_in, facilitator):
    norwegian = make_workshop(app, facilitator.id, language="nb")
    phone = app.test_client()
    from support.forms import join
    join(phone, norwegian)
    for text in ("Velkomst og åpenhet", "Åpenhet i kommunen", "Åpenhet"):
        phone_send(phone, norwegian, text)
    logged_in.submit(console(norwegian, "/suggestions"), console(norwegian, "/projector"),
                     {"view": "cloud", "group": "none"})
    stage = logged_in.get(f"/projector/{norwegian.join_code}/stage").get_data(as_text=True)
    assert re.search(r'<li class="cloud-6" dir="auto">åpenhet', stage)
    assert ">og<" not in stage


def test_co_facilitator_steers_the_same_workshop(app, logged_in, cafe):
    colleague = make_facilitator(app, "bo@example.org", "Bo")
    logged_in.submit(console(cafe, "/team"), console(cafe, "/team/invite"), {"email": colleague.email})
    other = Browser(app.test_client())
    other.submit("/auth/login", data={"email": colleague.email, "password": "correct horse battery"})
    assert other.get(console(cafe)).status_code == 200
    assert socket_client(app, other.client, cafe).is_connected()
    # Bo cannot invite others: only the owner can.
    response = other.submit(console(cafe, "/team"), console(cafe, "/team/invite"), {"email": ""}, follow=True)
    assert "Only the workshop&#39;s owner" in response.get_data(as_text=True) or \
        "Only the workshop's owner" in response.get_data(as_text=True)


def test_invitation_link_creates_an_account_and_joins(app, logged_in, cafe):
    logged_in.submit(console(cafe, "/team"), console(cafe, "/team/invite"), {"email": ""})
    link = re.search(r'value="http://localhost(/auth/invite/[^"]+)"',
                     logged_in.get(console(cafe, "/team")).get_data(as_text=True)).group(1)
    newcomer = Browser(app.test_client())
    response = newcomer.submit(link, data={"name": "Ny", "email": "ny@example.org",
                                           "password": "et langt passord", "confirm": "et langt passord"})
    assert response.status_code == 303
    assert newcomer.get(console(cafe)).status_code == 200
    assert newcomer.get(link, follow_redirects=True).status_code == 200  # used: explained, not an error page


def test_an_invitation_link_expires_after_two_weeks(app, logged_in, cafe):
    from datetime import timedelta
    from facilitator.models import WorkshopInvite, utcnow
    from facilitator.services.invites import INVITE_VALID_DAYS
    logged_in.submit(console(cafe, "/team"), console(cafe, "/team/invite"), {"email": ""})
    team = logged_in.get(console(cafe, "/team")).get_data(as_text=True)
    link = re.search(r'value="http://localhost(/auth/invite/[^"]+)"', team).group(1)
    assert f"for {INVITE_VALID_DAYS} days" in team
    with app.app_context():
        invite = db.session.scalar(select(WorkshopInvite))
        invite.created_at = utcnow() - timedelta(days=INVITE_VALID_DAYS, minutes=1)
        db.session.commit()
    newcomer = Browser(app.test_client())
    page = newcomer.get(link, follow_redirects=True).get_data(as_text=True)
    assert "has expired" in page and 'name="password"' in page  # the login page, with the reason
    response = newcomer.client.post(link, data={"name": "Ny", "email": "ny@example.org",
                                               "password": "et langt passord", "confirm": "et langt passord"})
    assert response.status_code in (302, 303, 400)
    assert newcomer.get(console(cafe)).status_code in (302, 404)  # not a co-facilitator
    assert "/auth/invite/" not in logged_in.get(console(cafe, "/team")).get_data(as_text=True)


def test_other_workshops_suggestions_cannot_be_moderated(app, logged_in, facilitator, cafe):
    stranger = make_facilitator(app, "eve@example.org", "Eve")
    theirs = make_workshop(app, stranger.id)
    phone = app.test_client()
    from support.forms import join
    join(phone, theirs)
    phone_send(phone, theirs, "Not yours")
    with app.app_context():
        suggestion_id = db.session.scalar(select(Suggestion.id))
    response = logged_in.submit(console(cafe, "/suggestions"), console(cafe, f"/suggestions/{suggestion_id}/hide"))
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Suggestion, suggestion_id).status == "visible"
        assert db.session.get(Workshop, theirs.id).status == "live"
