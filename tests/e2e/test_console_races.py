"""A facilitator's click and the console's own refetch must not cross, in Chromium.

The console refetches itself when a phone answers (live.js, on the "console" event). A refetch that
set out before a click but lands after it would put back what the click changed, and the click's own
answer, aimed at the part the refetch had replaced, would be dropped: "Show on projector" would put
the question on the projector while the console went on saying it was not. Each test holds one
request in the browser (page.route) so that the crossing happens every time, not one run in fifty.
"""
from __future__ import annotations

import itertools
import re

import pytest

from support.browser import LAPTOP
from support.phone import Phone
from .test_accessibility import create_workshop, set_up_facilitator, wait_online

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST, SECOND, THIRD = "Hva fungerer godt i dag?", "Hva bør vi prøve ut?", "Hvem bør vi spørre?"
REFETCH = re.compile(r".*/host/workshops/\d+\?fragment=console")
SHOW = re.compile(r".*/host/workshops/\d+/questions/\d+/show$")
clients = itertools.count()


@pytest.fixture(scope="module")
def room(chromium, live_server):
    context = chromium.new_context(**LAPTOP, locale="nb-NO")
    console = context.new_page()
    set_up_facilitator(console, live_server.url)
    workshop = create_workshop(console, live_server.url, "Serviceforum", [FIRST, SECOND, THIRD], language="nb")
    phone = Phone(live_server.port)
    phone.join(workshop.code)
    yield console, workshop, phone
    context.close()


def fresh_console(console, workshop):
    console.unroute_all()
    console.goto(workshop.url)
    wait_online(console)
    console.wait_for_load_state("networkidle")


def question_id(console, text: str) -> int:
    item = console.locator(".question-list > li", has=console.locator(".q-text", has_text=text))
    return int(item.get_attribute("id").removeprefix("question-"))


def a_phone_answers(phone, workshop, console) -> None:
    """Something the console shows changed elsewhere: the server pushes "console" and it refetches."""
    reply = phone.suggest(workshop.code, question_id(console, FIRST), "Biblioteket om kvelden",
                          f"race-{next(clients)}")
    assert reply.status in (200, 201, 303), reply.status


def show_button(console, text: str):
    item = console.locator(".question-list > li", has=console.locator(".q-text", has_text=text))
    return item.locator("button", has_text="Vis på prosjektoren")


def wait_until_held(page, held: list, why: str = "the request was made") -> None:
    """Until the page's request has reached the route that holds it (at most 10 s)."""
    for _ in range(100):
        if held:
            return
        page.wait_for_timeout(100)
    raise AssertionError(why)


def badge_stays_on(console, text: str) -> None:
    item = console.locator(".question-list > li", has=console.locator(".q-text", has_text=text))
    item.locator(".badge.on-screen").wait_for(timeout=10000)
    console.wait_for_load_state("networkidle")
    console.wait_for_timeout(500)
    assert item.locator(".badge.on-screen").count() == 1, "the console no longer says it is on the projector"


def test_a_refetch_that_set_out_before_the_click_does_not_undo_it(room):
    console, workshop, phone = room
    fresh_console(console, workshop)
    held = []

    def hold_the_answer(route):
        # Read from the server now, before the click: what it says is the console before the click.
        held.append((route, route.fetch()))
    console.route(REFETCH, hold_the_answer)
    a_phone_answers(phone, workshop, console)
    wait_until_held(console, held, "the phone's answer made the console refetch itself")

    clicks = []
    console.route(SHOW, lambda route: clicks.append(route))
    show_button(console, SECOND).click()
    wait_until_held(console, clicks)
    route, answer = held.pop()
    try:
        route.fulfill(response=answer)  # the old console lands while the click is on its way
    except Exception:  # noqa: BLE001, S110 - the page has given that request up: what the fix does
        pass
    console.wait_for_timeout(300)
    clicks.pop().continue_()
    badge_stays_on(console, SECOND)


def test_a_refetch_asked_for_while_a_click_is_on_its_way_waits_for_it(room):
    console, workshop, phone = room
    fresh_console(console, workshop)
    held = []
    console.route(SHOW, lambda route: held.append(route))  # the click is on its way, slowly
    show_button(console, THIRD).click()
    wait_until_held(console, held)

    a_phone_answers(phone, workshop, console)
    console.wait_for_timeout(1500)  # the pushed "console" event has arrived
    held.pop().continue_()
    badge_stays_on(console, THIRD)


def test_a_question_just_added_does_not_come_back_into_the_empty_form(room):
    """What is being typed is kept across a refetch (live.js, drafts). The text of a form that was
    just sent is not a draft any more: it must not reappear in the emptied form after the answer."""
    console, workshop, phone = room
    fresh_console(console, workshop)
    added = "Hva tar vi med oss til neste møte?"
    form = console.locator("form.add-question")
    form.locator("textarea[name=text]").fill(added)
    held = []
    console.route(re.compile(r".*/host/workshops/\d+/questions$"), lambda route: held.append(route))
    form.locator("button[type=submit]").click()
    wait_until_held(console, held)

    a_phone_answers(phone, workshop, console)
    console.wait_for_timeout(1500)  # the pushed "console" event has arrived while the form is sent
    held.pop().continue_()
    console.locator(".question-list .q-text", has_text=added).wait_for(timeout=10000)
    console.wait_for_load_state("networkidle")
    console.wait_for_timeout(500)
    assert console.locator("form.add-question textarea[name=text]").input_value() == ""
