"""The moderation board's help with many suggestions, in Chromium: a duplicate is flagged as it
arrives from a phone and merged in one click; themes are proposed on request, one is renamed and
accepted, and the projector's theme view shows it live (and never showed the proposal)."""
from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PHONE, PROJECTOR
from .test_core_loop import assert_not_reloaded, mark_page, set_up_facilitator

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "Hva kan kommunen gjøre for at tilflyttere skal komme og bli?"
FIRST = "Velkomstpakke til alle nye innbyggere"
OTHER = "Gratis parkering i sentrum"
SAME = "Velkomstpakker til nye innbyggere"
MORE = ["Gratis parkering i sentrum om kvelden", "Parkering gratis i sentrum for nye",
        "Innflytterfadder for nye", "Fadder for nye innflyttere", "Innflytterfadder til alle nye"]


def post_and_wait(page, button):
    with page.expect_navigation():
        button.click()


def send(phone, text):
    form = phone.locator(".phone-question").first
    form.locator("textarea").fill(text)
    form.locator("button[type=submit]").click()
    phone.locator(".own-suggestions li", has_text=text).first.wait_for()


def card(console, text):
    """A suggestion's card on the board, by its own text (its merge menu names the others)."""
    return console.locator(".card-item").filter(has=console.locator(".card-text", has_text=text))


def test_duplicates_and_theme_proposals_on_the_board(chromium, live_server, shots):
    base = live_server.url
    laptop = chromium.new_context(**LAPTOP)
    console = laptop.new_page()
    console.set_viewport_size({"width": 1366, "height": 900})
    set_up_facilitator(console, base)
    console.fill("#title", "Tilflytting")
    console.select_option("#language", "nb")
    console.fill("#questions", QUESTION)
    console.click("main button[type=submit]")
    console.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
    workshop_url = console.url
    post_and_wait(console, console.locator("button:has-text('Go live')"))
    code = console.inner_text("[data-testid=join-code]").replace(" ", "")

    # The projector groups by theme from the start.
    console.goto(workshop_url + "/suggestions")
    console.check("input[name=group][value=theme]")
    post_and_wait(console, console.locator(".projector-form button[type=submit]"))
    projector = laptop.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{base}/projector/{code}")
    projector.wait_for_selector("[data-live-status][data-state=online]")
    mark_page(projector)

    phone = chromium.new_context(**PHONE).new_page()
    phone.goto(f"{base}/j/{code}")
    phone.fill("#display_name", "Kari")
    phone.click("main button[type=submit]")
    phone.wait_for_selector("#phone-panel")
    for text in (FIRST, OTHER):
        send(phone, text)

    console.goto(workshop_url + "/suggestions")
    console.wait_for_selector("[data-live-status][data-state=online]")
    mark_page(console)
    assert console.locator(".duplicate-flag").count() == 0

    # A duplicate arrives: the board flags it without a reload.
    send(phone, SAME)
    flag = card(console, SAME).locator(".duplicate-flag")
    flag.wait_for(timeout=10000)
    assert FIRST in flag.inner_text()
    assert_not_reloaded(console)
    flag.scroll_into_view_if_needed()
    shots(console, "board-duplicate-1366")
    console.set_viewport_size({"width": 390, "height": 844})
    flag.scroll_into_view_if_needed()
    shots(console, "board-duplicate-390")
    console.set_viewport_size({"width": 1366, "height": 900})

    # One click merges it into the older one.
    flag.locator("button", has_text="Merge into it").click()
    console.locator("#hidden-heading").wait_for()
    assert console.locator(".duplicate-flag").count() == 0
    assert SAME in console.locator("#board .mod-list").inner_text()

    # Themes on request.
    for text in MORE:
        send(phone, text)
    card(console, MORE[-1]).wait_for(timeout=10000)
    console.click("#propose-themes")
    console.locator(".proposal").first.wait_for()
    assert_not_reloaded(console)
    parking = console.locator(".proposal").filter(has=console.locator(".proposal-members", has_text=MORE[0]))
    label = parking.locator("input[name=name]").input_value()
    assert label and label not in projector.inner_text("#stage")
    console.locator("#theme-proposals").scroll_into_view_if_needed()
    shots(console, "board-proposals-1366")
    console.set_viewport_size({"width": 390, "height": 844})
    console.locator("#theme-proposals").scroll_into_view_if_needed()
    shots(console, "board-proposals-390")
    console.set_viewport_size({"width": 1366, "height": 900})

    # Renamed and accepted: a theme on the board and, live, on the projector.
    parking.locator("input[name=name]").fill("Parkering")
    parking.locator("button", has_text="Accept as a theme").click()
    console.locator(".board-column h3", has_text="Parkering").wait_for()
    projector.locator("#stage", has_text="Parkering").wait_for(timeout=10000)
    assert_not_reloaded(projector)
    # The rest of the proposal stays open for the next group.
    assert console.locator(".proposal-members", has_text=MORE[2]).count() == 1
    shots(projector, "projector-accepted-theme")
    laptop.close()
    phone.context.close()
