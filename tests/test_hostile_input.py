"""No request ends in a 500, whatever its address and form say (ASVS V5: input validation).

Every route of the authorization matrix (tests/test_authorization.py) is called by the role
that may use it, with hostile values in its path and its form: numbers past the database's
range (forty digits, negative ones), "nan", "inf" and "1e999", text where a number belongs,
and arbitrary Unicode. Each answer must be below 500: a refusal (404, 422, a redirect with a
message) is fine, a crash is not. The app is the in-memory one, and the examples are bounded
so the whole test takes seconds.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest

try:
    from hypothesis import HealthCheck, given, settings, strategies as st
except ImportError:  # pragma: no cover - the test extras install it
    from support.require import REQUIRE_ALL
    if REQUIRE_ALL:
        raise
    pytest.skip("hypothesis is not installed (pip install hypothesis==6.170.15)", allow_module_level=True)

from flask_migrate import upgrade

from facilitator import create_app
from facilitator.infra.config import TestConfig
from facilitator.infra.extensions import db
from support.world import ROLES, World, build_workshops, seed_suggestions
from test_authorization import CASES, DISCOVERY_APP, FORMS, PARTICIPANT, ROUTES, form_for, object_ids

HOSTILE_NUMBERS = ["9" * 40, "-" + "9" * 40, str(2**31), str(2**63), "-1", "0", "nan", "inf", "-inf",
                   "1e999", "NaN", "Infinity", "1e-999", "0x10", "1_000", " 7 ", "٣", "²", "", "abc"]
# Form fields that carry a number somewhere in the app, sent to every route: a view that reads one
# it did not expect must not fail either.
NUMBER_FIELDS = ["minutes", "table", "table_count", "target", "theme", "question", "question_id", "budget",
                 "max_per_item", "retention_days", "dots", "participant_count", "base_revision"]
# Rendering these takes seconds; they get hostile addresses only (a real one is the exports' test).
SLOW = ("pdf", "docx", "odt", "xlsx")
# Acts that would end the session or remove the workshop the later examples use.
SKIPPED = {"auth.logout", "host.delete", "static"}

hostile_text = st.one_of(st.sampled_from(HOSTILE_NUMBERS), st.text(max_size=12),
                         st.integers(min_value=-10**45, max_value=10**45).map(str))
CASE_LIST = [case for case in CASES if case.endpoint not in SKIPPED]


class MemoryWorld(World):
    """The matrix's two workshops and roles, on the in-memory database (no restore between requests:
    the answers, not the state, are what this test checks)."""

    def __init__(self):
        self.app = create_app(TestConfig)
        with self.app.app_context():
            upgrade()
            self.ours, self.theirs, self.people, self.facilitator_ids = build_workshops()
        self.roles = {name: self.open_session(name) for name in ROLES}
        self.workshop_file = b"{}"  # the import's own tests send real and broken files
        with self.app.app_context():
            seed_suggestions(self.ours, self.theirs)
            db.session.commit()


@pytest.fixture(scope="module")
def world():
    world = MemoryWorld()
    yield world
    with world.app.app_context():
        db.session.remove()
        db.engine.dispose()


def hostile_url(world: World, case, segments: dict) -> str:
    """The route's address with real ids, then the chosen segments put in place of theirs."""
    rule = next(world.app.url_map.iter_rules(case.endpoint))
    # An argument the matrix has no real value for (a route newer than object_ids()) gets "1".
    real = {name: 1 for name in rule.arguments} | object_ids(world, world.ours)
    markers = {name: 7_770_000 + n for n, name in enumerate(sorted(rule.arguments))}
    values = {name: markers[name] if name in segments else real[name]
              for name in rule.arguments if name in real} | dict(case.options)
    url = world.app.url_map.bind("localhost").build(case.endpoint, values)
    for name, segment in segments.items():
        url = url.replace(str(markers[name]), quote(segment, safe=""), 1)
    return url


@st.composite
def hostile_requests(draw):
    case = draw(st.sampled_from(CASE_LIST))
    rule = next(DISCOVERY_APP.url_map.iter_rules(case.endpoint))
    slow = any(word in case.id for word in SLOW)
    segments = {}
    for name in sorted(rule.arguments - {name for name, _ in case.options} - {"filename", "token"}):
        if slow or draw(st.booleans()):
            segments[name] = draw(hostile_text)
    fields = sorted(set(FORMS.get(case.endpoint, {})) - {"file"}) + NUMBER_FIELDS
    form = {name: draw(hostile_text) for name in fields if draw(st.booleans())}
    return case, segments, form


@settings(max_examples=120, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request=hostile_requests())
def test_no_hostile_address_or_form_ends_in_a_500(world, request):
    case, segments, hostile_form = request
    # A route not yet in the matrix's ROUTES (its own test says so) is still called, as the owner.
    role = "participant" if ROUTES.get(case.endpoint) == PARTICIPANT else "owner"
    url = hostile_url(world, case, segments)
    client = world.client(role)
    if case.method == "GET":
        response = client.get(url, query_string=hostile_form)
    else:
        form = form_for(world, case.endpoint) | hostile_form | {"csrf_token": world.roles[role].csrf}
        form.pop("file", None)
        response = client.open(url, method=case.method, data=form)
    try:
        assert response.status_code < 500, (case.id, url, hostile_form, response.get_data(as_text=True)[:300])
    finally:
        response.close()


@pytest.mark.parametrize("url", [
    "/j/ABCDEF/q/" + "9" * 40, "/j/ABCDEF/vote/" + "9" * 40, "/host/workshops/" + "9" * 40,
    "/export/" + "9" * 40 + "/minutes.md", "/host/workshops/1/questions/" + "9" * 40 + "/open",
    f"/host/workshops/{2**31}",
])
def test_a_number_past_the_database_range_is_not_found(world, url):
    client = world.client("owner")
    method = "GET" if url.startswith(("/export", "/host/workshops/9", "/host/workshops/2")) else "POST"
    response = client.open(url, method=method, data={"csrf_token": world.roles["owner"].csrf})
    assert response.status_code == 404


@pytest.mark.parametrize("minutes", ["nan", "inf", "-inf", "1e999", "NaN", "Infinity"])
def test_a_round_of_no_finite_length_is_refused_with_a_message(world, minutes):
    client = world.client("owner")
    url = f"/host/workshops/{world.ours.id}/cafe/rounds"
    response = client.post(url, data={"minutes": minutes, "csrf_token": world.roles["owner"].csrf},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Give the round&#39;s length in minutes, like 15." in response.get_data(as_text=True)
