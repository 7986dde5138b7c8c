"""The projector's stage through the web and the socket: what the wall shows in each state."""
from __future__ import annotations

import re

from facilitator.infra.extensions import db
from facilitator.models import Workshop
from facilitator.services.participants import join_workshop
from facilitator.services.suggestions import submit_suggestion
from facilitator.services.voting import close_voting, open_voting, set_dots

from support.sockets import socket_client


def events(sio, name):
    return [event["args"][0] for event in sio.get_received() if event["name"] == name]


def console(workshop, page=""):
    return f"/host/workshops/{workshop.id}{page}"


def start_round(logged_in, workshop, minutes="20", question=0):
    response = logged_in.submit(console(workshop, "/cafe"), console(workshop, "/cafe/rounds"),
                                {"minutes": minutes, "question_id": str(workshop.question_ids[question])})
    assert response.status_code == 303


def close(logged_in, workshop):
    response = logged_in.submit(console(workshop), console(workshop, "/status"), {"status": "closed"})
    assert response.status_code == 303


def test_closing_pushes_a_closed_stage_that_points_to_the_results(app, logged_in, live_workshop):
    start_round(logged_in, live_workshop)
    projector = socket_client(app, logged_in.client, live_workshop)
    projector.get_received()

    close(logged_in, live_workshop)

    # The new stage comes by push; the projector does not have to reload.
    [stage] = events(projector, "stage")
    html = stage["html"]
    assert "stage-closed" in html and "results-public" in html and 'data-testid="closed-note"' in html
    assert "countdown" not in html and "Round 1" not in html
    # The page holds the results' address and QR code, at the host the projector uses; the stage's
    # classes show them (and hide the join code) in the stylesheet.
    page = logged_in.get(f"/projector/{live_workshop.join_code}").get_data(as_text=True)
    pointer = page[page.index('data-testid="results-pointer"'):]
    assert f"localhost/j/{live_workshop.join_code}/results" in pointer and "<svg" in pointer
    assert "stage-closed results-public" in page and "countdown" not in page


def test_closed_stage_says_nothing_about_private_results(app, logged_in, live_workshop):
    start_round(logged_in, live_workshop)
    logged_in.submit(console(live_workshop), console(live_workshop, "/results-page"), {"private": "y"})
    close(logged_in, live_workshop)
    stage = logged_in.get(f"/projector/{live_workshop.join_code}/stage").get_data(as_text=True)
    assert 'data-testid="closed-note"' in stage and "countdown" not in stage
    assert "stage-closed" in stage and "results-public" not in stage and "/results" not in stage


def test_results_made_private_after_closing_leave_the_wall(app, logged_in, live_workshop):
    close(logged_in, live_workshop)
    projector = socket_client(app, logged_in.client, live_workshop)
    projector.get_received()
    logged_in.submit(console(live_workshop), console(live_workshop, "/results-page"), {"private": "y"})
    [stage] = events(projector, "stage")
    assert "stage-closed" in stage["html"] and "results-public" not in stage["html"]


def test_live_stage_keeps_its_countdown(app, logged_in, live_workshop):
    start_round(logged_in, live_workshop)
    stage = logged_in.get(f"/projector/{live_workshop.join_code}/stage").get_data(as_text=True)
    assert re.search(r'class="countdown" data-ends-at="\d+"', stage) and "stage-live" in stage


def test_ranking_lists_only_what_got_dots_numbered_by_the_server(app, logged_in, live_workshop, facilitator):
    with app.app_context():
        workshop = db.session.get(Workshop, live_workshop.id)
        question = workshop.questions[0]
        people = [join_workshop(workshop) for _ in range(3)]
        items = [submit_suggestion(people[0], question, f"idea {n}")[0] for n in range(5)]
        open_voting(None, question)
        for person, item in [(people[0], items[3]), (people[1], items[3]), (people[0], items[1]),
                             (people[1], items[4]), (people[2], items[0]), (people[2], items[3])]:
            set_dots(person, item, 1)
        close_voting(None, question)
        workshop.projector_view = "ranking"
        db.session.commit()
    stage = logged_in.get(f"/projector/{live_workshop.join_code}/stage").get_data(as_text=True)
    rows = re.findall(r'<span class="tally-rank">(\d+)\.</span> (idea \d)', stage)
    # Equal dots share a place; no row for "idea 2", which got none.
    assert rows == [("1", "idea 3"), ("2", "idea 0"), ("2", "idea 1"), ("2", "idea 4")]
