"""Where the keyboard focus lands after an act swaps part of the console (WCAG 2.4.3), in Chromium.

On the demo seminar's moderation board and its questions, each act is done from the keyboard
(the control focused, Enter pressed) and the focus must land on the natural next place: the
suggestion merged into after a merge, the same control or its suggestion after the others, the
same control or its question on the console, and never on the body, after a live refresh too.
"""
from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PHONE
from .test_accessibility import DEMO_EMAIL, has_focus_outline, log_in, wait_online

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COUNT_SWAPS = """() => { window.__settled = 0;
    document.body.addEventListener('htmx:afterSettle', () => { window.__settled++; }); }"""


class Console:
    """A console page driven by the keyboard that reports where the focus is after each swap."""

    def __init__(self, page):
        self.page = page

    def watch(self) -> None:
        self.page.evaluate(COUNT_SWAPS)

    def settled(self) -> int:
        return self.page.evaluate("() => window.__settled")

    def wait_for_swap(self, before: int) -> None:
        self.page.wait_for_function("(n) => window.__settled > n", arg=before)
        self.page.wait_for_timeout(300)  # nothing else may move it afterwards

    def press(self, selector: str, key: str = "Enter") -> str:
        """Focus ``selector``, press ``key``, wait for the swap; the id of what has the focus now."""
        before = self.settled()
        self.page.focus(selector)
        self.page.keyboard.press(key)
        self.wait_for_swap(before)
        return self.focused()

    def focused(self) -> str:
        return self.page.evaluate("""() => { const el = document.activeElement;
            return !el || el === document.body ? 'BODY' : (el.id || el.outerHTML.slice(0, 80)); }""")

    def open_more(self, card_id: str) -> None:
        self.page.focus(f"#{card_id} .card-more summary")
        self.page.keyboard.press("Enter")


def card_ids(page) -> list[str]:
    return page.eval_on_selector_all(".board .card-item", "(cards) => cards.map(c => c.id)")


def test_focus_after_board_and_console_acts(chromium, live_server, shots):
    base = live_server.url
    code = live_server.flask("demo").strip().splitlines()[-1]
    page = chromium.new_context(**LAPTOP).new_page()
    log_in(page, base, DEMO_EMAIL, live_server.demo_password())
    page.goto(base + "/host/")
    page.locator(".workshop-list a").first.click()
    page.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
    console_url = page.url
    page.goto(console_url + "/suggestions")
    wait_online(page)
    board = Console(page)
    board.watch()
    first, second, third = card_ids(page)[:3]
    number = lambda card: card.removeprefix("mod-")  # noqa: E731

    # Merge: the focus goes to the suggestion merged into.
    board.open_more(first)
    page.select_option(f"#merge-{number(first)}", number(second))
    assert board.press(f"#{first} form[action$='/merge'] button") == second
    assert has_focus_outline(page), "the merged-into card is focused but shows no focus"
    shots(page, "01-focus-after-merge")
    # Separate: the focus goes to the suggestion back on the board.
    merged_row = page.locator(".mod-item", has=page.locator("form[action$='/unmerge']")).filter(
        has=page.locator(f"form[action*='/suggestions/{number(first)}/']"))
    assert board.press(f".mod-item[data-focus-item={first}] form[action$='/unmerge'] button") == first
    assert merged_row.count() == 0

    # Hide, show again, pin: the same control (it keeps its id when its label changes).
    assert board.press(f"#visibility-{number(third)}") == f"visibility-{number(third)}"
    assert board.press(f"#visibility-{number(third)}") == f"visibility-{number(third)}"
    assert board.press(f"#pin-{number(third)}", key="Space") == f"pin-{number(third)}"

    # New wording: the details close with the swap, so the focus goes to the suggestion.
    board.open_more(third)
    page.fill(f"#edit-s-{number(third)}", "Server en kopp kaffe, gjerne to")
    assert board.press(f"#{third} .card-more form[action$='/edit'] button") == third

    # A live refresh (a phone sends) while the focus is inside a card's open details.
    phone = chromium.new_context(**PHONE).new_page()
    phone.goto(f"{base}/j/{code}")
    phone.click("main button[type=submit]")
    wait_online(phone)
    board.open_more(second)
    page.focus(f"#{second} form[action$='/merge'] button")
    before = board.settled()
    question = phone.locator(".phone-question.current")
    question.locator("textarea").fill("Et smil som høres i telefonen")
    question.locator("button[type=submit]").click()
    board.wait_for_swap(before)
    assert page.locator(".card-text", has_text="Et smil som høres").count() == 1
    assert board.focused() == second, "a live refresh dropped the focus"

    # A theme from a card's menu on the second question, whose board has themes.
    page.locator(".question-tabs a").nth(1).click()
    page.wait_for_url(re.compile(r".*question=\d+"))
    board.watch()
    card = card_ids(page)[0]
    page.focus(f"#theme-{number(card)}")
    page.keyboard.press("ArrowDown")
    assert board.press(f"#move-{number(card)}") == f"move-{number(card)}"

    # The console's questions: the same control, or its question when the control is gone.
    page.goto(console_url)
    wait_online(page)
    console = Console(page)
    console.watch()
    questions = page.eval_on_selector_all(".question-list li.question", "(qs) => qs.map(q => q.id)")
    top, other = (q.removeprefix("question-") for q in questions[:2])
    assert console.press(f"#toggle-{top}") == f"toggle-{top}"
    assert console.press(f"#toggle-{top}") == f"toggle-{top}"
    # The last but one moved down is last: its "Move down" is gone, so its question has the focus.
    # Moved back up it still has a "Move up" (the demo has more than two questions): focus stays on it.
    assert len(questions) > 2
    penultimate = questions[-2].removeprefix("question-")
    assert console.press(f"#down-{penultimate}") == f"question-{penultimate}"
    assert console.press(f"#up-{penultimate}") == f"up-{penultimate}"
    shown = console.press(f"#question-{other} form[action$='/show'] button")
    assert shown == f"question-{other}", "after 'Show on projector' the focus goes to its question"
    assert has_focus_outline(page)
    shots(page, "02-focus-after-show")
    # Adding a question: back in the box, for the next one.
    page.fill("#text", "Hva tar vi med oss hjem?")
    assert console.press("form.add-question button[type=submit]") == "text"
    assert page.locator(".question-list .q-text", has_text="Hva tar vi med oss hjem?").count() == 1
    page.context.close()
    phone.context.close()
