"""The console's help with many suggestions: possible duplicates flagged live on the moderation
board (merge or dismiss), theme proposals on request (accept, rename, leave out, drop), on
every database."""
from __future__ import annotations

import re
import subprocess
import sys

from support.sockets import socket_client
from support.forms import Browser, csrf_token_in, join
from support.factories import PASSWORD, make_facilitator, make_workshop

from facilitator.infra.extensions import db
from facilitator.models import DuplicateDismissal, Suggestion, SuggestionStatus, Theme, Workshop

FIRST = "Velkomstpakke til alle nye innbyggere"
SAME = "Velkomstpakker til nye innbyggere"
OTHER = "Gratis parkering i sentrum"
GROUPS = ["Gratis parkering i sentrum", "Gratis parkering i sentrum om kvelden", "Parkering gratis i sentrum",
          "Innflytterfadder for nye", "Fadder for nye innflyttere", "Innflytterfadder til alle nye"]


def events(sio, name):
    return [event["args"][0] for event in sio.get_received() if event["name"] == name]


def send(phone, workshop, text, question=0):
    page = phone.get(f"/j/{workshop.join_code}").get_data(as_text=True)
    response = phone.post(f"/j/{workshop.join_code}/q/{workshop.question_ids[question]}",
                          data={"csrf_token": csrf_token_in(page), "text": text})
    assert response.status_code == 303
    return latest_id(phone.application, workshop)


def latest_id(app, workshop) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.max(Suggestion.id)).where(Suggestion.workshop_id == workshop.id))


def board_url(workshop, question_id, **params):
    extra = "".join(f"&{name}={value}" for name, value in params.items())
    return f"/host/workshops/{workshop.id}/suggestions?question={question_id}&fragment=board{extra}"


def flags(html: str) -> list[tuple[int, int]]:
    """(suggestion, looks like) for every duplicate flag on a board."""
    return [(int(a), int(b)) for a, b in re.findall(
        r'id="mod-(\d+)"[^>]*>(?:(?!id="mod-).)*?data-duplicate-of="(\d+)"', html, re.S)]


def workshop_with_phone(app, facilitator, **details):
    workshop = make_workshop(app, facilitator.id, language="nb", **details)
    phone = app.test_client()
    join(phone, workshop, "Kari")
    return workshop, phone


def test_a_duplicate_reaches_the_console_live_and_is_flagged(app, logged_in, facilitator):
    workshop, phone = workshop_with_phone(app, facilitator)
    console = socket_client(app, logged_in.client, workshop)
    first = send(phone, workshop, FIRST)
    send(phone, workshop, OTHER)
    console.get_received()

    same = send(phone, workshop, SAME)

    # The push tells the console to refetch its board; the board it gets holds the flag.
    assert events(console, "console")
    board = logged_in.get(board_url(workshop, workshop.question_ids[0])).get_data(as_text=True)
    assert flags(board) == [(same, first)]
    assert "Possible duplicate" in board and "Merge into it" in board


def test_merging_a_flagged_duplicate_moves_its_votes_and_ends_the_flag(app, logged_in, facilitator):
    workshop, phone = workshop_with_phone(app, facilitator)
    first, same = send(phone, workshop, FIRST), send(phone, workshop, SAME)
    url = board_url(workshop, workshop.question_ids[0])
    page = logged_in.get(url).get_data(as_text=True)

    response = logged_in.client.post(f"/host/workshops/{workshop.id}/suggestions/{same}/merge",
                                     data={"csrf_token": csrf_token_in(page), "target": first},
                                     headers={"HX-Request": "true"})

    assert response.status_code == 200 and flags(response.get_data(as_text=True)) == []
    with app.app_context():
        merged = db.session.get(Suggestion, same)
        assert merged.status == SuggestionStatus.MERGED and merged.merged_into_id == first


def test_a_dismissed_pair_is_stored_and_never_proposed_again(app, logged_in, facilitator):
    workshop, phone = workshop_with_phone(app, facilitator)
    first, same = send(phone, workshop, FIRST), send(phone, workshop, SAME)
    url = board_url(workshop, workshop.question_ids[0])
    page = logged_in.get(url).get_data(as_text=True)
    assert flags(page) == [(same, first)]

    response = logged_in.client.post(
        f"/host/workshops/{workshop.id}/suggestions/{same}/not-duplicate",
        data={"csrf_token": csrf_token_in(page), "target": first}, headers={"HX-Request": "true"})

    assert response.status_code == 200 and flags(response.get_data(as_text=True)) == []
    with app.app_context():
        [row] = db.session.scalars(db.select(DuplicateDismissal)).all()
        assert (row.first_id, row.second_id) == (first, same)
    # A third like them is still proposed, against the older ones only where not dismissed.
    third = send(phone, workshop, "Velkomstpakke til nye innbyggere")
    assert (same, first) not in flags(logged_in.get(url).get_data(as_text=True))
    assert any(pair[0] == third for pair in flags(logged_in.get(url).get_data(as_text=True)))
    # Dismissing again (a co-facilitator at the same moment) changes nothing and says nothing wrong.
    again = logged_in.client.post(
        f"/host/workshops/{workshop.id}/suggestions/{first}/not-duplicate",
        data={"csrf_token": csrf_token_in(page), "target": same}, headers={"HX-Request": "true"})
    assert again.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DuplicateDismissal.id))) == 1


def test_a_hidden_suggestion_is_never_proposed_as_a_duplicate(app, logged_in, facilitator):
    workshop, phone = workshop_with_phone(app, facilitator)
    first, same = send(phone, workshop, FIRST), send(phone, workshop, SAME)
    url = board_url(workshop, workshop.question_ids[0])
    page = logged_in.get(url).get_data(as_text=True)
    logged_in.client.post(f"/host/workshops/{workshop.id}/suggestions/{first}/hide",
                          data={"csrf_token": csrf_token_in(page)})
    assert flags(logged_in.get(url).get_data(as_text=True)) == []
    logged_in.client.post(f"/host/workshops/{workshop.id}/suggestions/{first}/show",
                          data={"csrf_token": csrf_token_in(page)})
    assert flags(logged_in.get(url).get_data(as_text=True)) == [(same, first)]


def test_dismissing_needs_two_suggestions_of_one_question(app, logged_in, facilitator):
    workshop, phone = workshop_with_phone(app, facilitator)
    first = send(phone, workshop, FIRST)
    with app.app_context():
        db.session.get(Workshop, workshop.id).questions[1].is_open = True
        db.session.commit()
    elsewhere = send(phone, workshop, SAME, question=1)
    page = logged_in.get(board_url(workshop, workshop.question_ids[0])).get_data(as_text=True)
    response = logged_in.client.post(
        f"/host/workshops/{workshop.id}/suggestions/{first}/not-duplicate",
        data={"csrf_token": csrf_token_in(page), "target": elsewhere}, follow_redirects=True)
    assert response.status_code == 200
    assert "Only suggestions to the same question can be duplicates." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DuplicateDismissal.id))) == 0


def test_another_workshops_suggestions_are_never_proposed(app, logged_in, facilitator):
    workshop, phone = workshop_with_phone(app, facilitator)
    other, other_phone = workshop_with_phone(app, facilitator)
    send(other_phone, other, FIRST)
    mine = send(phone, workshop, SAME)
    board = logged_in.get(board_url(workshop, workshop.question_ids[0])).get_data(as_text=True)
    assert flags(board) == [] and f'id="mod-{mine}"' in board
    response = logged_in.client.post(f"/host/workshops/{workshop.id}/suggestions/{mine}/not-duplicate",
                                     data={"csrf_token": csrf_token_in(board), "target": latest_id(app, other)},
                                     follow_redirects=True)
    assert "Choose two suggestions of the same workshop." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DuplicateDismissal.id))) == 0


def test_a_co_facilitator_sees_the_same_flags_and_proposals(app, logged_in, facilitator):
    workshop, phone = workshop_with_phone(app, facilitator)
    for text in [FIRST, SAME, *GROUPS]:
        send(phone, workshop, text)
    colleague = make_facilitator(app, "bo@example.org", "Bo")
    with app.app_context():
        from facilitator.models import WorkshopFacilitator
        db.session.add(WorkshopFacilitator(workshop_id=workshop.id, facilitator_id=colleague.id, role="co"))
        db.session.commit()
    other = Browser(app.test_client())
    assert other.submit("/auth/login", data={"email": colleague.email, "password": PASSWORD}).status_code == 303
    # A process that never drew this board (a fresh index) proposes the same as one that did.
    app.extensions.pop("duplicate_indexes", None)
    url = board_url(workshop, workshop.question_ids[0], granularity=0.5)
    mine, theirs = (b.get(url).get_data(as_text=True) for b in (logged_in, other))
    assert flags(mine) == flags(theirs) and flags(mine)
    assert proposals(mine) == proposals(theirs) and proposals(mine)


def proposals(html: str) -> list[tuple[str, list[int]]]:
    """(key, members) of every proposal on a board."""
    return [(key, [int(m) for m in re.findall(r'name="suggestion" value="(\d+)"', body)])
            for key, body in re.findall(r'<article class="proposal" id="proposal-(\w+)"(.*?)</article>', html, re.S)]


def test_themes_are_proposed_on_request_and_accepted_renamed_and_trimmed(app, logged_in, facilitator):
    workshop, phone = workshop_with_phone(app, facilitator)
    ids = {text: send(phone, workshop, text) for text in GROUPS}
    question = workshop.question_ids[0]
    plain = logged_in.get(board_url(workshop, question)).get_data(as_text=True)
    assert proposals(plain) == [] and "Propose themes" in plain

    board = logged_in.get(board_url(workshop, question, granularity=0.5)).get_data(as_text=True)
    found = dict(proposals(board))
    parking = next(key for key, members in found.items() if ids[GROUPS[0]] in members)
    assert set(found[parking]) == {ids[t] for t in GROUPS[:3]}
    # Never a surprise on the projector: a proposal is not on it.
    label = re.search(rf'id="proposal-name-{parking}"[^>]*value="([^"]*)"', board).group(1)
    assert label and label not in logged_in.get(f"/projector/{workshop.join_code}/stage").get_data(as_text=True)

    # Renamed, and one of its three left out.
    response = logged_in.client.post(
        f"/host/workshops/{workshop.id}/questions/{question}/themes/accept",
        data={"csrf_token": csrf_token_in(board), "name": "Parkering", "granularity": "0.5",
              "suggestion": [ids[GROUPS[0]], ids[GROUPS[1]]]}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    after = response.get_data(as_text=True)
    with app.app_context():
        [theme] = db.session.scalars(db.select(Theme).where(Theme.workshop_id == workshop.id)).all()
        assert theme.name == "Parkering" and theme.question_id == question
        themed = {s.id for s in db.session.scalars(db.select(Suggestion).where(Suggestion.theme_id == theme.id))}
        assert themed == {ids[GROUPS[0]], ids[GROUPS[1]]}
    # The proposal stays open; the one left out is proposed for the new theme; the fadder group is still there.
    left = dict(proposals(after))
    assert left.get(f"t{theme.id}") == [ids[GROUPS[2]]]
    assert any(set(members) == {ids[t] for t in GROUPS[3:]} for members in left.values())

    # Moved into the theme with the board's own control, and the projector's theme view shows it.
    logged_in.client.post(f"/host/workshops/{workshop.id}/suggestions/{ids[GROUPS[2]]}/theme",
                          data={"csrf_token": csrf_token_in(board), "theme": theme.id})
    logged_in.client.post(f"/host/workshops/{workshop.id}/projector?question={question}",
                          data={"csrf_token": csrf_token_in(board), "view": "list", "group": "theme"})
    stage = logged_in.get(f"/projector/{workshop.join_code}/stage").get_data(as_text=True)
    assert "Parkering" in stage and GROUPS[2] in stage


def test_finer_coarser_and_dropped_proposals(app, logged_in, facilitator):
    workshop, phone = workshop_with_phone(app, facilitator)
    for text in GROUPS:
        send(phone, workshop, text)
    question = workshop.question_ids[0]
    coarse = proposals(logged_in.get(board_url(workshop, question, granularity=0)).get_data(as_text=True))
    fine = proposals(logged_in.get(board_url(workshop, question, granularity=1)).get_data(as_text=True))
    assert sum(len(m) for _, m in coarse) >= sum(len(m) for _, m in fine)
    assert len(coarse) <= len(fine) or sum(len(m) for _, m in coarse) > sum(len(m) for _, m in fine)
    middle = proposals(logged_in.get(board_url(workshop, question, granularity=0.5)).get_data(as_text=True))
    dropped = middle[0][0]
    left = proposals(logged_in.get(board_url(workshop, question, granularity=0.5, dropped=dropped))
                     .get_data(as_text=True))
    assert [key for key, _ in left] == [key for key, _ in middle[1:]]
    # Nonsense settings are read as the nearest sensible ones, never a 500.
    for granularity in ("abc", "nan", "-3", "1e9"):
        assert logged_in.get(board_url(workshop, question, granularity=granularity)).status_code == 200


def test_accepting_nothing_or_foreign_suggestions_is_refused(app, logged_in, facilitator):
    workshop, phone = workshop_with_phone(app, facilitator)
    other, other_phone = workshop_with_phone(app, facilitator)
    foreign = send(other_phone, other, FIRST)
    question = workshop.question_ids[0]
    page = logged_in.get(board_url(workshop, question)).get_data(as_text=True)
    for chosen in ([], [foreign], ["x"]):
        response = logged_in.client.post(
            f"/host/workshops/{workshop.id}/questions/{question}/themes/accept",
            data={"csrf_token": csrf_token_in(page), "name": "Tema", "suggestion": chosen}, follow_redirects=True)
        assert response.status_code == 200
        assert "Tick at least one suggestion for the theme." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Theme.id))) == 0


def test_the_send_path_never_loads_the_engine(tmp_path):
    """A suggestion is sent, pushed and stored without the synthesis engine (or numpy) loading."""
    script = f"""
import sys
sys.path.insert(0, {str(tmp_path.parent)!r})
from support.factories import make_facilitator, make_workshop
from support.forms import csrf_token_in, join
from facilitator import create_app
from facilitator.infra.config import TestConfig
from flask_migrate import upgrade
app = create_app(type("Config", (TestConfig,), {{"SQLALCHEMY_DATABASE_URI": "sqlite://"}}))
with app.app_context():
    upgrade()
who = make_facilitator(app)
workshop = make_workshop(app, who.id)
phone = app.test_client()
join(phone, workshop)
page = phone.get(f"/j/{{workshop.join_code}}").get_data(as_text=True)
response = phone.post(f"/j/{{workshop.join_code}}/q/{{workshop.question_ids[0]}}",
                      data={{"csrf_token": csrf_token_in(page), "text": "Velkomstpakke"}})
assert response.status_code == 303, response.status_code
engine = ("numpy", "scipy", "rapidfuzz", "snowballstemmer", "facilitator.services.synthesis.duplicates",
          "facilitator.services.synthesis.themes", "facilitator.services.synthesis.vectors",
          "facilitator.services.synthesis.text")
loaded = sorted(name for name in sys.modules if name.startswith(engine))
print(loaded)
"""
    import pathlib
    tests = pathlib.Path(__file__).parent
    script = script.replace(repr(str(tmp_path.parent)), repr(str(tests)))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=tests.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = result.stdout.strip().splitlines()[-1]
    assert loaded == "[]", loaded
