"""The facilitator's main flow with the keyboard alone, in Chromium.

Set up, log out and in, create a workshop with its questions, go live, set the tables and start a
round, then on the moderation board hide and pin suggestions, move one into a theme through the
card's "Theme" menu and "Move" button, and open and close voting: only Tab, Shift+Tab, Enter,
Space, the arrow keys and typing. Every element the focus lands on must show a visible focus
indicator. The phone that sends suggestions to moderate uses the mouse (it is not under test).
"""
from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PHONE
from .test_accessibility import EMAIL, NAME, PASSWORD, has_focus_outline, join, send, wait_online

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTIONS = ["What makes a service surprisingly good?", "How do we keep newcomers?"]


class Keyboard:
    """Moves the focus with Tab / Shift+Tab and remembers every stop without a visible focus."""

    def __init__(self, page):
        self.page = page
        self.unseen: list[str] = []
        self.stops = 0

    def focused(self) -> str:
        return self.page.evaluate("""() => { const el = document.activeElement;
            return el ? el.outerHTML.slice(0, 120) : ''; }""")

    def tab_to(self, selector: str, backwards: bool = False, limit: int = 200) -> None:
        """Press Tab (or Shift+Tab) until the focus is on ``selector``."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            self.stops += 1
            if self.page.evaluate("() => document.activeElement !== document.body") \
                    and not has_focus_outline(self.page):
                self.unseen.append(self.focused())
            if self.page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{limit} presses of {key} never reached {selector}")

    def fill(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def activate(self, selector: str, key: str = "Enter", navigates: bool = True) -> None:
        self.tab_to(selector)
        if navigates:
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
        else:
            self.page.keyboard.press(key)


def test_facilitator_main_flow_by_keyboard(chromium, live_server, shots):
    base = live_server.url
    page = chromium.new_context(**LAPTOP).new_page()
    keys = Keyboard(page)

    # The first account, then out and in again.
    page.goto(base + "/")
    page.wait_for_url("**/auth/setup")
    keys.activate("a.skip-link", navigates=False)
    assert page.evaluate("() => document.activeElement.id") == "main"
    keys.fill("#name", NAME)
    keys.fill("#email", EMAIL)
    keys.fill("#password", PASSWORD)
    keys.fill("#confirm", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The skip link's #main stays on the address through the redirect.
    page.wait_for_url(re.compile(r".*/host/workshops/new(#main)?$"))
    keys.activate("form[action$='/logout'] button")
    page.wait_for_url("**/auth/login**")
    keys.fill("#email", EMAIL)
    keys.fill("#password", PASSWORD)
    keys.activate("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/host/?$"))

    # A workshop with its questions (a newline typed into the box separates them).
    keys.activate("a[href$='/host/workshops/new']")
    keys.fill("#title", "Keyboard seminar")
    keys.fill("#place", "Town hall")
    keys.fill("#questions", "\n".join(QUESTIONS))
    keys.activate("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
    keys.activate("form[action$='/status'] button")
    code = page.inner_text("[data-testid=join-code]").replace(" ", "")

    # Tables and a round, from the console's section tabs.
    keys.activate("nav.tabs a[href$='/cafe']")
    keys.fill("#table-count", "3")
    keys.activate("form:has(#table-count) button[type=submit]")
    keys.fill("#round-minutes", "20")
    keys.activate("form[action$='/cafe/rounds'] button[type=submit]")
    page.locator(".countdown [data-clock]").first.wait_for()
    shots(page, "01-round-started")

    # A phone (by mouse) sends three suggestions to moderate.
    phone = chromium.new_context(**PHONE).new_page()
    join(phone, base, code, "Kari", table=1)
    wait_online(phone)
    for text in ("Coffee for everyone", "Nonsense and noise", "A smile you can hear on the phone"):
        send(phone, text)

    keys.activate("nav.tabs a[href*='/suggestions']")
    board = page.locator("#board")

    def card_id(text: str) -> str:
        return page.locator(".card-item", has=page.locator(".card-text", has_text=text)).get_attribute("id")

    # Hide one (Enter on its button), pin another (Space): each swaps the board in place.
    hidden = card_id("Nonsense and noise")
    keys.activate(f"#{hidden} form[action$='/hide'] button", navigates=False)
    page.locator(".mod-item", has_text="Nonsense and noise").wait_for()
    print("focus after Hide:", keys.focused())
    pinned = card_id("A smile you can hear")
    keys.activate(f"#{pinned} form[action$='/pin'] button", key="Space", navigates=False)
    page.locator(f"#{pinned}.pinned").wait_for()
    print("focus after Pin:", keys.focused())

    # A theme, and a card moved into it with its "Theme" menu (arrow keys) and "Move" button.
    keys.fill("#new-theme", "Hospitality")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    coffee = card_id("Coffee for everyone")
    select = f"#{coffee} select[name=theme]"
    keys.tab_to(select)
    page.keyboard.press("ArrowDown")
    assert page.locator(f"{select} option:checked").inner_text() == "Hospitality"
    keys.activate(f"#{coffee} .theme-form button", navigates=False)
    board.locator(".board-column[aria-label=Hospitality] .card-text", has_text="Coffee for everyone").wait_for()
    print("focus after Move:", keys.focused())
    shots(page, "02-board-by-keyboard", full_page=True)

    # Voting: open it with the dots chosen by typing, then close it.
    keys.fill("#budget", "3")
    keys.activate("form[action*='/voting/open'] button[type=submit]")
    phone.locator(".voting").first.wait_for(timeout=10000)
    keys.activate("form[action*='/voting/close'] button[type=submit]")
    page.locator("form[action*='/voting/open']").wait_for()

    # Back up the page with Shift+Tab to the section tabs: the focus is visible that way too.
    keys.tab_to("nav.tabs a[aria-current=page]", backwards=True)
    shots(page, "03-focus-on-tab")
    page.context.close()
    phone.context.close()
    print(f"{keys.stops} key presses moved the focus")
    assert not keys.unseen, "focus not visible on:\n" + "\n".join(dict.fromkeys(keys.unseen))
