"""A console action that fails says so, in Chromium: no connection, an error from the server (its
own translated message), an answer from something else in between; the next success clears it.
The console also shows whether its live connection is up."""
from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PROJECTOR
from .test_accessibility import create_workshop, set_up_facilitator

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PROBLEM = "[data-request-problem]"


def close_button(page):
    return page.locator("#console-main form[action*='/close'] button").first


def open_button(page):
    return page.locator("#console-main form[action*='/open'] button").first


def expire_the_form(route):
    """Send the request with a CSRF token the server no longer accepts, as after a long pause."""
    headers = {**route.request.headers, "x-csrftoken": "expired"}
    route.continue_(headers=headers, post_data=re.sub(r"csrf_token=[^&]*", "csrf_token=expired",
                                                       route.request.post_data or ""))


def test_a_failed_console_action_is_said_and_cleared_by_the_next_success(chromium, live_server):
    base = live_server.url
    context = chromium.new_context(**LAPTOP, locale="nb-NO")
    page = context.new_page()
    set_up_facilitator(page, base)
    workshop = create_workshop(page, base, "Serviceforum", language="nb")
    page.goto(workshop.url)
    page.wait_for_selector("[data-live-status][data-state=online]")
    assert page.locator(PROBLEM).is_hidden()

    # The venue's Wi-Fi drops: the click cannot reach the server, and the page says so.
    button_text = open_button(page).inner_text()
    context.set_offline(True)
    open_button(page).click()
    page.wait_for_selector(f"{PROBLEM}:not([hidden])")
    assert page.inner_text(PROBLEM + " [data-request-problem-text]") == \
        "Ikke sendt: det er ingen forbindelse. Prøv igjen når den er tilbake."
    page.click(PROBLEM + " button[aria-label='Skjul meldingen']")
    assert page.locator(PROBLEM).is_hidden()
    assert open_button(page).inner_text() == button_text, "nothing changed"
    page.wait_for_selector("[data-live-status][data-state=offline]", timeout=20000)
    context.set_offline(False)
    # Reconnected, the console refetches itself (fresh forms): let that finish first.
    page.wait_for_selector("[data-live-status][data-state=online]", timeout=20000)
    page.wait_for_load_state("networkidle")

    # Back online, the same click works and the message goes.
    open_button(page).click()
    close_button(page).wait_for()
    page.wait_for_selector(f"{PROBLEM}[hidden]", state="attached")

    # The server refuses (a form that expired): its own message, in the facilitator's language.
    # (The request is changed on its way: the console refreshes its forms when the room changes.)
    page.route("**/questions/**", expire_the_form)
    close_button(page).click()
    page.wait_for_selector(f"{PROBLEM}:not([hidden])")
    assert page.inner_text(PROBLEM + " [data-request-problem-text]").startswith("Skjemaet er utløpt.")
    assert close_button(page).is_visible(), "nothing changed"
    page.unroute("**/questions/**")

    # A proxy in between answers with its own page: a general message with the status.
    page.reload()
    page.route("**/questions/**", lambda route: route.fulfill(
        status=502, content_type="text/html", body="<html><body><h1>502 Bad Gateway</h1></body></html>"))
    close_button(page).click()
    page.wait_for_selector(f"{PROBLEM}:not([hidden])")
    assert page.inner_text(PROBLEM + " [data-request-problem-text]") == "Det gikk ikke. Prøv igjen. (502)"
    page.unroute("**/questions/**")
    close_button(page).click()
    open_button(page).wait_for()
    page.wait_for_selector(f"{PROBLEM}[hidden]", state="attached")

    # The projector, seen by the room, has no such message.
    projector = context.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{base}/projector/{workshop.code}")
    assert projector.locator(PROBLEM).count() == 0
    context.close()
