"""Who may do what: every route and every socket event, for every kind of visitor (ASVS V4, V8, V13).

The routes are discovered from ``app.url_map``, so a route added tomorrow fails
``test_every_endpoint_is_classified`` until someone decides, in ``ROUTES`` below, who
may use it. Each role then calls each route with the methods it allows, on real ids
from two workshops: ours (A), steered by its owner and a co-facilitator, and theirs
(B), steered by another facilitator. A refusal must be a refusal: a redirect to the
login or join page, 403 or 404, no word of the workshop in the body, and not one row
of the database changed. A GET never changes anything, whoever sends it.
"""
from __future__ import annotations

import html
import io
import itertools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import AnyConverter

from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db, socketio
from support.world import ROLES, World, changed_tables, small_jpeg

# --- who may use which route ----------------------------------------------------------------

PUBLIC = "public"                    # anyone, also without a session
PARTICIPANT = "participant"          # a phone that joined this workshop
FACILITATOR = "facilitator"          # the owner and co-facilitators of this workshop
OWNER = "owner"                      # the owner of this workshop only
ANY_FACILITATOR = "any-facilitator"  # any logged-in facilitator
SETUP = "setup"                      # the first-run set-up: closed once an account exists
ADMIN = "admin"                      # an administrator of the installation
PHOTO = "photo"                      # a table's photo: this workshop's facilitators and participants

ALLOWED = {
    PUBLIC: set(ROLES),
    PARTICIPANT: {"participant"},
    FACILITATOR: {"owner", "co_facilitator"},
    OWNER: {"owner"},
    ANY_FACILITATOR: {"owner", "co_facilitator", "other_facilitator", "administrator"},
    SETUP: set(),
    ADMIN: {"administrator"},
    PHOTO: {"participant", "owner", "co_facilitator"},
}

ROUTES = {
    "index": PUBLIC,
    "static": PUBLIC,
    "pages.accessibility": PUBLIC,
    "pages.favicon": PUBLIC,
    # Single sign-on: anyone may start it; the provider's answer is checked (state, nonce, tokens).
    "sso.start": PUBLIC,
    "sso.callback": PUBLIC,
    "auth.setup": SETUP,
    "auth.login": PUBLIC,
    "auth.logout": ANY_FACILITATOR,
    # The invitation token is the credential: whoever holds the link may use it.
    "auth.invite": PUBLIC,
    "participant.find_workshop": PUBLIC,
    "participant.workshop": PUBLIC,
    "participant.join": PUBLIC,
    "participant.choose_language": PUBLIC,
    "participant.panel": PARTICIPANT,
    "participant.suggest": PARTICIPANT,
    "participant.vote": PARTICIPANT,
    "participant.change_table": PARTICIPANT,
    # A table's host photographs its cloth; the picture is the workshop's, not the public's
    # (until the results are public).
    "photos.upload": PARTICIPANT,
    "photos.image": PHOTO,
    # Results are public once the facilitator publishes them or closes the workshop.
    "results.page": PUBLIC,
    "results.pdf": PUBLIC,
    "projector.show": FACILITATOR,
    "projector.stage": FACILITATOR,
    "export.minutes": FACILITATOR,
    "export.import_workshop": ANY_FACILITATOR,
    "host.dashboard": ANY_FACILITATOR,
    "host.new_workshop": ANY_FACILITATOR,
    "host.workshop": FACILITATOR,
    "host.edit_workshop": FACILITATOR,
    "host.change_workshop_status": FACILITATOR,
    # Any of its facilitators may plan the next meeting; they own the new draft.
    "host.next_meeting": FACILITATOR,
    "host.join_cards_page": FACILITATOR,
    "host.join_cards_pdf": FACILITATOR,
    "host.joining": FACILITATOR,
    "host.results_page": FACILITATOR,
    "host.retention": FACILITATOR,
    "host.delete": OWNER,
    "host.add_question": FACILITATOR,
    "host.edit_question": FACILITATOR,
    "host.change_question_kind": FACILITATOR,
    "host.panel_question_answered": FACILITATOR,
    "host.other_answer_status": FACILITATOR,
    # A phone's answer to a multiple-choice question, and its upvote of a question to the panel.
    "answering.answer": PARTICIPANT,
    "answering.upvote": PARTICIPANT,
    "answering.panel_questions": PARTICIPANT,
    "host.move_question": FACILITATOR,
    "host.delete_question": FACILITATOR,
    "host.show_question": FACILITATOR,
    "host.toggle_question": FACILITATOR,
    "host.suggestions": FACILITATOR,
    "host.suggestion_status": FACILITATOR,
    "host.suggestion_edit": FACILITATOR,
    "host.suggestion_pin": FACILITATOR,
    "host.suggestion_merge": FACILITATOR,
    "host.suggestion_unmerge": FACILITATOR,
    "host.suggestion_theme": FACILITATOR,
    "host.suggestion_action": FACILITATOR,
    "host.suggestion_add": FACILITATOR,
    "host.theme_create": FACILITATOR,
    "host.theme_change": FACILITATOR,
    "host.theme_accept": FACILITATOR,
    "host.duplicate_dismiss": FACILITATOR,
    "host.projector_settings": FACILITATOR,
    "host.results_visibility": FACILITATOR,
    "host.moderation_mode": FACILITATOR,
    "host.voting_state": FACILITATOR,
    "host.minutes": FACILITATOR,
    "host.minutes_preview": FACILITATOR,
    "host.cafe": FACILITATOR,
    "host.cafe_settings": FACILITATOR,
    "host.cafe_table": FACILITATOR,
    "host.cafe_seat": FACILITATOR,
    "host.photos": FACILITATOR,
    "host.photo_settings": FACILITATOR,
    "host.photo_delete": FACILITATOR,
    "host.start_round": FACILITATOR,
    "host.end_round": FACILITATOR,
    "host.team": FACILITATOR,
    "host.team_invite": OWNER,
    "host.team_remove": OWNER,
    "host.team_withdraw": OWNER,
    "host.actions": FACILITATOR,
    "host.action_create": FACILITATOR,
    "host.action_change": FACILITATOR,
    # One's own account; the e-mailed links carry their token, the credential.
    "account.settings": ANY_FACILITATOR,
    "account.change_name": ANY_FACILITATOR,
    "account.change_password": ANY_FACILITATOR,
    "account.forgot": PUBLIC,
    "account.reset": PUBLIC,
    "account.welcome": PUBLIC,
    "account.signup": PUBLIC,
    "admin.accounts": ADMIN,
    "admin.account": ADMIN,
    "admin.invite": ADMIN,
    "admin.withdraw": ADMIN,
    "admin.change_status": ADMIN,
    "admin.change_role": ADMIN,
    "admin.hand_over_workshop": ADMIN,
    "admin.health": ADMIN,
}

# Client-sent Socket.IO events the server handles, and why each is safe. Writes are HTTP
# POSTs; a new event here needs its own row in the socket tests below.
SOCKET_EVENTS = {
    "connect": "joins only the rooms the session cookie's identity allows",
    "disconnect": "counts the socket out of the rooms it joined; reads and writes nothing else",
}

# What the forms say when a role is allowed: enough for the action to succeed.
FORMS = {
    "auth.setup": {"name": "Mallory", "email": "mallory@example.org", "password": "a-long-password-1",
                   "confirm": "a-long-password-1"},
    "auth.login": {"email": "nobody@example.org", "password": "wrong-password-1"},
    "auth.invite": {"name": "Ingrid Invitee", "email": "ingrid@example.org", "password": "a-long-password-1",
                    "confirm": "a-long-password-1"},
    "participant.find_workshop": {"code": "{code}"},
    "participant.join": {"display_name": "Newcomer", "table": "0"},
    "participant.choose_language": {"locale": "nb"},
    "participant.suggest": {"text": "A fresh idea from the matrix", "client_id": "matrix-1"},
    "participant.vote": {"dots": "1"},
    "answering.answer": {"option": "{choice_option}", "client_id": "matrix-answer-1"},
    "answering.upvote": {"up": "1"},
    "participant.change_table": {"table": "1"},
    "photos.upload": {"photo": "{photo_file}", "caption": "The matrix's cloth", "client_id": "matrix-photo-1"},
    "host.new_workshop": {"title": "Matrix workshop", "language": "en", "questions": "One?\nTwo?"},
    "host.edit_workshop": {"title": "Renamed by the matrix", "language": "en"},
    "host.change_workshop_status": {"status": "closed"},
    "host.joining": {"joining": "closed", "passcode": "secret-word"},
    "host.results_page": {"published": "y"},
    "host.retention": {"retention_days": "30"},
    "host.delete": {"confirm": "y"},
    "host.add_question": {"text": "Added by the matrix?"},
    "host.edit_question": {"text": "Reworded by the matrix?"},
    "host.suggestion_edit": {"text": "Edited by the moderator"},
    "host.suggestion_merge": {"target": "{second_suggestion}"},
    "host.suggestion_theme": {"theme": "{theme}"},
    "host.suggestion_action": {"what": "Follow this up", "owner": "Olga"},
    "host.suggestion_add": {"text": "From the flip chart"},
    "host.theme_create": {"name": "A new theme", "question": "{question}"},
    "host.theme_change": {"name": "Renamed theme"},
    "host.theme_accept": {"name": "Accepted theme", "suggestion": "{second_suggestion}"},
    "host.duplicate_dismiss": {"target": "{second_suggestion}"},
    "host.projector_settings": {"view": "cloud", "group": "none"},
    "host.moderation_mode": {"mode": "pre"},
    "host.voting_state": {"budget": "5", "max_per_item": "3"},
    "host.minutes": {"opening_text": "Welcome", "closing_text": "Thanks", "signature": "Olga",
                     "base_revision": "0", "choices_shown": "1", "save": "Save minutes"},
    "host.minutes_preview": {"opening_text": "Welcome", "choices_shown": "1"},
    "host.cafe_settings": {"table_count": "3", "table_mode": "same"},
    "host.cafe_table": {"name": "Window table", "question_id": "{question}"},
    "host.cafe_seat": {"table": "1", "role": "member"},
    "host.photo_settings": {"everyone": "y"},
    "host.start_round": {"minutes": "10", "question_id": "{question}"},
    "host.team_invite": {"email": ""},
    "host.action_create": {"what": "Book the hall", "owner": "Olga", "due_date": "2026-12-01"},
    "host.action_change": {"what": "Book the big hall", "owner": "Olga", "status": "doing"},
    "export.import_workshop": {"file": "{workshop_file}"},
    "account.change_name": {"name": "Renamed by the matrix"},
    "account.change_password": {"current": "correct horse battery", "password": "a matrix passphrase",
                                "confirm": "a matrix passphrase"},
    "account.forgot": {"email": "nobody@example.org"},
    "admin.invite": {"email": "new.colleague@example.org", "role": "facilitator"},
    "admin.hand_over_workshop": {"new_owner": "{co_facilitator}"},
}

# Form fields that name an object: sent with another workshop's ids in the IDOR test.
OBJECT_FIELDS = {"target": "second_suggestion", "theme": "theme", "question": "question",
                 "question_id": "question", "suggestion": "second_suggestion"}

# Known gaps: (endpoint, method, role) -> why the test fails today. Each is a bug to fix.
INVITE_ON_GET = ("GET /auth/invite/<token> accepts the invitation for a logged-in facilitator: a state "
                 "change on GET, which a cross-site <img> can trigger (auth.invite)")
KNOWN_GAPS: dict = {}
IMPORT_CSRF = ("export.import_workshop is csrf.exempt and checks the token only through its form: a "
               "missing token gets the form back (422, no message shown) instead of the app's 400 answer, "
               "and htmx's X-CSRFToken header is ignored (fix: call csrf.protect() in the view right after "
               "raising request.max_content_length)")


# The co-facilitator these act on is already an active facilitator; no invitation exists to withdraw.
ADMIN_POSTS_THAT_CHANGE_NOTHING = {"admin.change_role[facilitator]-POST", "admin.change_status[reactivate]-POST",
                                   "admin.withdraw-POST"}


# --- the routes, discovered -------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    options: tuple  # ((argument, value), ...) for any() converters

    @property
    def id(self) -> str:
        suffix = ",".join(value for _, value in self.options)
        return f"{self.endpoint}[{suffix}]-{self.method}" if suffix else f"{self.endpoint}-{self.method}"


def discover_cases(app) -> list[Case]:
    """One case per endpoint, method and choice of every any(...) path segment."""
    cases = []
    for rule in app.url_map.iter_rules():
        choices = [[(name, value) for value in sorted(converter.items)]
                   for name, converter in sorted(rule._converters.items()) if isinstance(converter, AnyConverter)]
        for options in itertools.product(*choices):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                cases.append(Case(rule.endpoint, method, tuple(options)))
    return sorted(set(cases), key=lambda case: case.id)


DISCOVERY_APP = create_app(TestConfig)
CASES = discover_cases(DISCOVERY_APP)
POST_CASES = [case for case in CASES if case.method == "POST"]


def matrix_params():
    for case, role in itertools.product(CASES, ROLES):
        reason = KNOWN_GAPS.get((case.endpoint, case.method, role))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(case, role, id=f"{case.id}-{role}", marks=marks)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = World(tmp_path_factory.mktemp("authorization"))
    yield world
    world.close()


def object_ids(world: World, side) -> dict:
    return {"workshop_id": world.ours.id, "code": world.ours.code, "question_id": side.question_ids[0],
            "suggestion_id": side.suggestion_ids[0], "theme_id": side.theme_id, "action_id": side.action_id,
            "invite_id": side.invite_id, "participant_id": side.participant_id,
            "facilitator_id": world.facilitator_ids["co_facilitator"] if side is world.ours else side.owner_id,
            "number": 1, "token": world.ours.invite_token, "photo_id": side.photo_id, "filename": "favicon.svg", "invitation_id": 1}


# Routes that act on an object of a kind of its own: the id comes from that object instead.
KIND_OBJECTS = {"answering.answer": {"question_id": "choice_question_id"},
                "answering.upvote": {"suggestion_id": "panel_suggestion_id"},
                "host.panel_question_answered": {"suggestion_id": "panel_suggestion_id"},
                "host.other_answer_status": {"answer_id": "answer_id"},
                "answering.panel_questions": {"question_id": "panel_question_id"}}
# What an allowed participant's page shows: the open question, or the part of it that route returns.
PARTICIPANT_PAGE_TEXT = {"answering.panel_questions": "Who pays for Trail marking theme?"}


def build_url(world: World, case: Case, side=None) -> str:
    values = object_ids(world, side or world.ours)
    values |= {name: getattr(side or world.ours, attribute)
               for name, attribute in KIND_OBJECTS.get(case.endpoint, {}).items()}
    rule = next(r for r in world.app.url_map.iter_rules(case.endpoint))
    missing = rule.arguments - set(values) - {name for name, _ in case.options}
    assert not missing, f"{case.endpoint}: give the test a real value for {sorted(missing)} in object_ids()"
    values = {name: values[name] for name in rule.arguments if name in values} | dict(case.options)
    return world.app.url_map.bind("localhost").build(case.endpoint, values)


def form_for(world: World, endpoint: str, side=None) -> dict:
    side = side or world.ours
    values = {"code": world.ours.code, "question": side.question_ids[0], "theme": side.theme_id,
              "choice_option": side.choice_option_id,
              "second_suggestion": side.suggestion_ids[1], "co_facilitator": world.facilitator_ids["co_facilitator"]}
    form = {name: value.format(**values) for name, value in FORMS.get(endpoint, {}).items()
            if value not in ("{workshop_file}", "{photo_file}")}
    if "file" in FORMS.get(endpoint, {}):
        form["file"] = (io.BytesIO(world.workshop_file), "workshop.json")
    if "photo" in FORMS.get(endpoint, {}):
        form["photo"] = (io.BytesIO(small_jpeg()), "cloth.jpg")
    return form


def send(world: World, role: str, case: Case, url: str, data: dict, *, with_token=True, headers=None):
    """The request as the role's browser sends it, with the CSRF token of its own session."""
    client = world.client(role)
    if case.method == "GET":
        return client.get(url, headers=headers)
    data = dict(data)
    if with_token:
        data["csrf_token"] = world.roles[role].csrf
    return client.open(url, method=case.method, data=data, headers=headers)


# --- verdicts -----------------------------------------------------------------------------------

def redirect_path(response) -> str | None:
    if response.status_code not in (301, 302, 303, 307, 308):
        return None
    return urlsplit(response.headers.get("Location", "")).path


def sent_to_login(response) -> bool:
    """Flask-Login's answer to a missing login: the login page, with where to go back to."""
    location = urlsplit(response.headers.get("Location", ""))
    return redirect_path(response) == "/auth/login" and "next=" in location.query


def assert_security_headers(case: Case, response) -> None:
    """The headers every answer carries (security.add_security_headers), refusals and files included."""
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'",
                      "form-action 'self'"):
        assert directive in policy, f"CSP lacks {directive}: {policy!r}"
    script = re.search(r"script-src ([^;]*)", policy)
    assert script and "'unsafe-inline'" not in script.group(1) and "'unsafe-eval'" not in script.group(1)
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Referrer-Policy") == "same-origin"
    if case.endpoint.split(".")[0] in ("host", "export", "auth", "account", "admin"):
        assert "no-store" in headers.get("Cache-Control", ""), "a facilitator's page may be cached"


def assert_nothing_leaks(world: World, response, url: str) -> None:
    body = response.get_data()
    secrets = list(world.ours.secrets)
    if world.ours.code not in url:
        secrets.append(world.ours.code)
    for secret in secrets:
        for form in {secret, html.escape(secret)}:
            assert form.encode() not in body, f"a refused request saw {secret!r}"


def assert_refused(world, kind, role, case, url, response, changed) -> None:
    assert not changed, f"a refused {case.method} changed {changed}"
    path = redirect_path(response)
    if kind == OWNER and role == "co_facilitator":
        # A co-facilitator sees the workshop; the service refuses the owner's acts with a message.
        return
    assert_nothing_leaks(world, response, url)
    if kind == SETUP:
        assert path == "/auth/login", (response.status_code, path)
    elif kind == PARTICIPANT:
        refresh_only = response.status_code == 200 and not response.get_data() \
            and response.headers.get("HX-Refresh") == "true"
        assert response.status_code in (403, 404) or path == f"/j/{world.ours.code}" or refresh_only, \
            (response.status_code, path)
    else:
        assert response.status_code in (403, 404) or path == "/auth/login", (response.status_code, path)


def assert_allowed(world, kind, case, response, changed) -> None:
    status, path = response.status_code, redirect_path(response)
    assert status not in (401, 403), status
    if kind in (FACILITATOR, OWNER, ANY_FACILITATOR, ADMIN):
        assert status != 404 and not sent_to_login(response), (status, path)
    if kind == ADMIN and case.method == "POST" and case.id not in ADMIN_POSTS_THAT_CHANGE_NOTHING:
        assert changed, f"an administrator's POST changed nothing ({status} → {path})"
    elif kind == PARTICIPANT and case.method == "POST":
        assert changed, f"an allowed participant's POST changed nothing ({status} → {path})"
    elif kind == PARTICIPANT:
        expected = PARTICIPANT_PAGE_TEXT.get(case.endpoint, "Which trail should we mark first?")
        assert expected in response.get_data(as_text=True)
    elif kind == PHOTO:
        assert status == 200 and response.content_type == "image/jpeg", (status, response.content_type)


# --- the tests -----------------------------------------------------------------------------------

def test_every_endpoint_is_classified():
    unclassified = sorted({case.endpoint for case in CASES} - set(ROUTES))
    assert not unclassified, f"say who may use these endpoints in ROUTES: {unclassified}"


def test_every_socket_event_is_classified():
    events = {event for event, _handler, namespace in socketio.handlers if namespace in (None, "/")}
    events |= {event for handler in socketio.namespace_handlers for event in dir(handler)
               if event.startswith("on_")}
    assert events <= set(SOCKET_EVENTS), f"classify these socket events: {sorted(events - set(SOCKET_EVENTS))}"


@pytest.mark.parametrize(("case", "role"), list(matrix_params()))
def test_role_may_or_may_not_use_route(world, case, role):
    kind = ROUTES.get(case.endpoint)
    assert kind, f"{case.endpoint} is missing from ROUTES"
    world.restore()
    url = build_url(world, case)
    before = world.snapshot()
    response = send(world, role, case, url, form_for(world, case.endpoint))
    try:
        changed = changed_tables(before, world.snapshot())
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        assert_security_headers(case, response)
        for credential in world.never_shown:
            assert credential.encode() not in response.get_data(), "a token, hash or nonce reached a page"
        if case.method == "GET":
            assert not changed, f"GET {url} as {role} changed {changed}"
        if role in ALLOWED[kind]:
            assert_allowed(world, kind, case, response, changed)
        else:
            assert_refused(world, kind, role, case, url, response, changed)
    finally:
        response.close()


def workshop_cases():
    for case in CASES:
        if "workshop_id" in next(DISCOVERY_APP.url_map.iter_rules(case.endpoint)).arguments:
            yield pytest.param(case, id=case.id)


@pytest.mark.parametrize("case", list(workshop_cases()))
def test_a_stranger_cannot_tell_a_workshop_exists(world, case):
    """Another facilitator gets the same answer for our workshop as for one that does not exist."""
    answers = []
    for workshop_id in (world.ours.id, 999_999):
        world.restore()
        url = build_url(world, case).replace(f"/{world.ours.id}", f"/{workshop_id}", 1)
        response = send(world, "other_facilitator", case, url, form_for(world, case.endpoint))
        # The clock and the time-signed CSRF token are all that may differ between two renders.
        body = re.sub(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}", "TOKEN", response.get_data(as_text=True))
        body = re.sub(r'data-server-now="\d+"', "", body)
        answers.append((response.status_code, body))
        response.close()
    assert answers[0] == answers[1]


def idor_cases():
    """Routes of our workshop that name an object in the path or the form."""
    object_args = {"question_id", "suggestion_id", "theme_id", "action_id", "invite_id", "participant_id",
                   "facilitator_id", "photo_id"}
    for case in POST_CASES:
        rule = next(DISCOVERY_APP.url_map.iter_rules(case.endpoint))
        if ROUTES.get(case.endpoint) in (FACILITATOR, OWNER, PARTICIPANT) and (
                rule.arguments & object_args or set(FORMS.get(case.endpoint, {})) & set(OBJECT_FIELDS)):
            yield pytest.param(case, id=case.id)


@pytest.mark.parametrize("case", list(idor_cases()))
def test_objects_of_another_workshop_are_out_of_reach(world, case):
    """Our owner (or our participant) naming workshop B's objects under workshop A's address."""
    role = "participant" if ROUTES[case.endpoint] == PARTICIPANT else "owner"
    world.restore()
    url = build_url(world, case, side=world.theirs)
    before = world.snapshot()
    response = send(world, role, case, url, form_for(world, case.endpoint, side=world.theirs))
    after = world.snapshot()
    assert response.status_code < 500
    for secret in world.theirs.secrets:
        assert html.escape(secret).encode() not in response.get_data(), f"saw {secret!r} of workshop B"
    with world.app.app_context():
        links = cross_links(after, world.ours.id, world.theirs.id)
    assert not links, f"rows of workshop A now point at workshop B's objects: {links}"
    assert rows_of(before, world.theirs.id) == rows_of(after, world.theirs.id), "workshop B's rows changed"


def test_deleting_a_workshop_leaves_nothing_of_it(world):
    """The owner's delete removes every row of the workshop; the deletion record keeps no content."""
    world.restore()
    before = world.snapshot()
    url = f"/host/workshops/{world.ours.id}/delete"
    response = world.client("owner").post(url, data={"csrf_token": world.roles["owner"].csrf, "confirm": "y"})
    assert response.status_code == 303
    after = world.snapshot()
    assert not any(rows_of(after, world.ours.id).values()), "rows of the deleted workshop remain"
    columns, votes = after["votes"]
    gone = {row[0] for row in rows_of(before, world.ours.id)["suggestions"]}
    assert not [row for row in votes if row[columns.index("suggestion_id")] in gone]
    assert rows_of(before, world.theirs.id) == rows_of(after, world.theirs.id), "workshop B was touched"
    if "deletion_records" in after:
        record = " ".join(str(value) for row in after["deletion_records"][1] for value in row)
        for secret in world.ours.secrets[2:]:  # the title and place may stay, nothing that was typed
            assert secret not in record


def rows_of(snapshot: dict, workshop_id: int) -> dict:
    """The rows that belong to one workshop, by table."""
    kept = {}
    for table, (columns, rows) in snapshot.items():
        key = "id" if table == "workshops" else "workshop_id"
        if key in columns:
            kept[table] = [row for row in rows if row[columns.index(key)] == workshop_id]
    return kept


def cross_links(snapshot: dict, ours: int, theirs: int) -> list[str]:
    """Foreign keys from workshop A's rows to rows of workshop B (read from the model's metadata)."""
    theirs_ids = {table: {row[columns.index("id")] for row in rows}
                  for table, rows in rows_of(snapshot, theirs).items()
                  for columns in [snapshot[table][0]] if "id" in columns}
    found = []
    for table, rows in rows_of(snapshot, ours).items():
        columns = snapshot[table][0]
        for fk in db.metadata.tables[table].foreign_keys:
            target = fk.column.table.name
            if target in theirs_ids and fk.parent.name in columns:
                index = columns.index(fk.parent.name)
                found += [f"{table}.{fk.parent.name}={row[index]}" for row in rows
                          if row[index] in theirs_ids[target]]
    if "current_question_id" in snapshot["workshops"][0]:
        columns, rows = snapshot["workshops"]
        found += [f"workshops.current_question_id={row[columns.index('current_question_id')]}"
                  for row in rows if row[columns.index("id")] == ours
                  and row[columns.index("current_question_id")] in theirs_ids.get("questions", set())]
    return found


def most_trusted_role(endpoint: str) -> str:
    return {PUBLIC: "anonymous", SETUP: "anonymous", PARTICIPANT: "participant",
            ADMIN: "administrator"}.get(ROUTES.get(endpoint), "owner")


def post_params(gaps: dict[str, str]):
    for case in POST_CASES:
        marks = [pytest.mark.xfail(strict=True, reason=gaps[case.endpoint])] if case.endpoint in gaps else []
        yield pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", list(post_params({})))
def test_post_without_a_valid_csrf_token_is_refused(world, case):
    role = most_trusted_role(case.endpoint)
    foreign = "participant" if role == "anonymous" else "anonymous"
    url = build_url(world, case)
    for token in (None, world.roles[foreign].csrf, "not-a-token"):
        world.restore()
        before = world.snapshot()
        data = form_for(world, case.endpoint) | ({"csrf_token": token} if token else {})
        response = send(world, role, case, url, data, with_token=False)
        assert response.status_code == 400, (token, response.status_code)
        assert not changed_tables(before, world.snapshot())


@pytest.mark.parametrize("case", list(post_params({})))
def test_htmx_post_with_the_csrf_header_is_accepted(world, case):
    """htmx sends the token in X-CSRFToken (base.html's hx-headers): it must do what the form does."""
    role = most_trusted_role(case.endpoint)
    url = build_url(world, case)
    world.restore()
    before = world.snapshot()
    send(world, role, case, url, form_for(world, case.endpoint)).close()
    by_form = changed_tables(before, world.snapshot())
    world.restore()
    headers = {"HX-Request": "true", "X-CSRFToken": world.roles[role].csrf}
    response = send(world, role, case, url, form_for(world, case.endpoint), with_token=False, headers=headers)
    assert response.status_code != 400 and response.status_code < 500, response.get_data(as_text=True)[:300]
    assert changed_tables(before, world.snapshot()) == by_form


def test_session_cookies_are_http_only_and_same_site(world):
    response = world.app.test_client().get("/auth/login")
    header = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in header and "SameSite=Lax" in header, header


# --- the live socket --------------------------------------------------------------------------------

def rooms_of(sio) -> set[str]:
    manager = socketio.server.manager
    sid = manager.sid_from_eio_sid(sio.eio_sid, "/")
    return set(manager.get_rooms(sid, "/")) - {sid} if sid else set()


def room_names(workshop_id: int) -> set[str]:
    return {f"workshop:{workshop_id}", f"screen:{workshop_id}", f"host:{workshop_id}"}


def connect(world: World, role: str, auth, query_string=None):
    return socketio.test_client(world.app, flask_test_client=world.client(role), auth=auth,
                                query_string=query_string)


@pytest.mark.parametrize("role", ROLES)
def test_socket_connect_admits_only_this_workshops_people(world, role):
    world.restore()
    sio = connect(world, role, {"workshop": world.ours.code})
    expected = {"participant": {f"workshop:{world.ours.id}"},
                "owner": room_names(world.ours.id), "co_facilitator": room_names(world.ours.id)}.get(role)
    try:
        assert sio.is_connected() == (expected is not None)
        assert rooms_of(sio) == (expected or set())
    finally:
        if sio.is_connected():
            sio.disconnect()


@pytest.mark.parametrize("role", ROLES)
def test_forged_room_names_cannot_enter_another_workshop(world, role):
    world.restore()
    theirs = room_names(world.theirs.id)
    auth = {"workshop": world.ours.code, "room": f"workshop:{world.theirs.id}", "rooms": sorted(theirs),
            "workshop_id": world.theirs.id, "code": world.theirs.code}
    sio = connect(world, role, auth, query_string=f"room=workshop:{world.theirs.id}&workshop={world.theirs.code}")
    try:
        assert not rooms_of(sio) & theirs
    finally:
        if sio.is_connected():
            sio.disconnect()


MALFORMED_AUTH = {
    "none": lambda code: None,
    "bare-string": lambda code: code,
    "list": lambda code: [code],
    "number": lambda code: {"workshop": 12},
    "list-in-dict": lambda code: {"workshop": [code]},
    "object": lambda code: {"workshop": {"$ne": ""}},
    "huge": lambda code: {"workshop": "X" * 5000},
    "empty": lambda code: {"workshop": ""},
}


@pytest.mark.parametrize("shape", sorted(MALFORMED_AUTH))
def test_malformed_socket_auth_is_refused(world, shape):
    world.restore()
    sio = connect(world, "participant", MALFORMED_AUTH[shape](world.ours.code))
    assert not sio.is_connected() and not rooms_of(sio)


def test_participant_naming_another_workshop_is_refused(world):
    world.restore()
    assert not connect(world, "participant", {"workshop": world.theirs.code}).is_connected()
    assert not connect(world, "other_participant", {"workshop": world.ours.code}).is_connected()


def test_pushes_of_another_workshop_never_arrive(world):
    world.restore()
    ours = [connect(world, role, {"workshop": world.ours.code}) for role in ("owner", "participant")]
    theirs = connect(world, "other_facilitator", {"workshop": world.theirs.code})
    try:
        for sio in (*ours, theirs):
            assert sio.is_connected()
            sio.get_received()
        phone = world.client("other_participant")
        url = f"/j/{world.theirs.code}/q/{world.theirs.question_ids[0]}"
        response = phone.post(url, data={"csrf_token": world.roles["other_participant"].csrf,
                                         "text": "Only workshop B may hear this", "client_id": "b-only"})
        assert response.status_code == 303
        assert any("Only workshop B may hear this" in str(event) for event in theirs.get_received())
        for sio in ours:
            assert not [event for event in sio.get_received() if "workshop B" in str(event)]
    finally:
        for sio in (*ours, theirs):
            if sio.is_connected():
                sio.disconnect()


@pytest.mark.parametrize("event", ["join", "join_room", "enter_room", "subscribe", "suggestions", "stage",
                                   "message", "json"])
def test_unhandled_socket_events_change_nothing(world, event):
    world.restore()
    sio = connect(world, "participant", {"workshop": world.ours.code})
    before, rooms = world.snapshot(), rooms_of(sio)
    try:
        sio.emit(event, {"room": f"host:{world.theirs.id}", "workshop": world.theirs.code,
                         "text": "smuggled through the socket"})
        assert rooms_of(sio) == rooms
        assert not changed_tables(before, world.snapshot())
    finally:
        sio.disconnect()


# --- the socket's Origin check (cross-site WebSocket hijacking) -----------------------------------

HANDSHAKES = ["/socket.io/?EIO=4&transport=polling", "/socket.io/?EIO=4&transport=websocket"]


@pytest.mark.parametrize("path", HANDSHAKES, ids=["polling", "websocket"])
def test_socket_from_a_foreign_origin_is_refused(world, path):
    response = world.client("participant").get(path, headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert b"sid" not in response.get_data()


def test_socket_from_our_own_origin_is_accepted(world):
    response = world.client("participant").get(HANDSHAKES[0], headers={"Origin": "http://localhost"})
    assert response.status_code == 200 and b'"sid"' in response.get_data()


def test_with_a_public_url_only_that_origin_may_open_the_socket(tmp_path):
    app = create_app(type("PublicConfig", (TestConfig,), {
        "PUBLIC_URL": "https://workshop.example", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"}))
    client = app.test_client()
    for origin, status in (("https://workshop.example", 200), ("http://localhost", 400),
                           ("https://workshop.example.evil.example", 400), ("null", 400)):
        response = client.get(HANDSHAKES[0], headers={"Origin": origin})
        assert response.status_code == status, origin


# --- guessing: join codes, passcodes, passwords (ASVS V6.3) -----------------------------------------

@pytest.fixture
def fresh_limits(world):
    """Rate-limit counters start at zero, and are cleared again for the tests after."""
    from facilitator.infra.extensions import limiter
    world.restore()
    limiter.reset()
    yield
    limiter.reset()


def attempts_until_refused(send, tries: int) -> int | None:
    """How many tries went through before the first 429, or None if none was refused."""
    for number in range(1, tries + 1):
        if send(number).status_code == 429:
            return number - 1
    return None


def test_guessing_join_codes_is_rate_limited(world, fresh_limits):
    client = world.app.test_client()
    allowed = attempts_until_refused(lambda n: client.get(f"/j/ZZ{n:04d}"), 100)
    assert allowed is not None and allowed <= 60
    assert client.get(f"/j/{world.ours.code}").status_code == 200, "a real code must still open"


def test_guessing_a_workshop_passcode_is_rate_limited(world, fresh_limits):
    from facilitator.models import Workshop
    from facilitator.services.participants import set_joining
    with world.app.app_context():
        set_joining(db.session.get(Workshop, world.ours.id), True, "aurora seven")
        db.session.commit()
    client = world.client("anonymous")
    url = f"/j/{world.ours.code}/join"
    allowed = attempts_until_refused(lambda n: client.post(url, data={
        "csrf_token": world.roles["anonymous"].csrf, "table": "0", "passcode": f"guess {n}"}), 80)
    assert allowed is not None and allowed <= 60


def test_guessing_a_password_is_rate_limited(world, fresh_limits):
    client = world.client("anonymous")
    allowed = attempts_until_refused(lambda n: client.post("/auth/login", data={
        "csrf_token": world.roles["anonymous"].csrf, "email": "olga.owner@example.org",
        "password": f"wrong password {n}"}), 20)
    assert allowed is not None and allowed <= 10
