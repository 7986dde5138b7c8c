"""The phone when the room is busy (facilitator/infra/overload.py answers 503 with Retry-After): the
outbox says the suggestion is kept and will be sent, waits at least as long as it was told, and
then sends it, once, over a slow network too."""
from __future__ import annotations

import time

import pytest

from support.browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REFUSALS, RETRY_AFTER = 2, 1


def test_a_busy_room_keeps_the_suggestion_and_sends_it_after_retry_after(chromium, live_server, shots):
    code = live_server.flask("demo").strip().splitlines()[-1]
    context = chromium.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/j/{code}")
    phone.click("main button[type=submit]")
    phone.wait_for_selector("[data-live-status][data-state=online]")
    busy_words = phone.locator("[data-outbox-held]").get_attribute("data-msg-busy")

    tries: list[float] = []

    def busy_then_slow(route):
        """The server's refusal for the first tries, then the real server over a slow network."""
        tries.append(time.monotonic())
        if len(tries) <= REFUSALS:
            route.fulfill(status=503, headers={"Retry-After": str(RETRY_AFTER), "Content-Type": "text/html"},
                          body="<p data-request-error>busy</p>")
        else:
            time.sleep(1.5)
            route.continue_()
    phone.route("**/j/*/q/*", busy_then_slow)

    question = phone.locator(".phone-question.current")
    question.locator("textarea").fill("Sendt mens rommet var travelt")
    question.locator("button[type=submit]").click()
    item = phone.locator(".outbox-item.busy", has_text="Sendt mens rommet var travelt")
    item.wait_for(timeout=10000)
    assert busy_words in item.inner_text()
    status = question.locator("[role=status]")
    assert busy_words in status.inner_text()
    assert question.locator("textarea").input_value() == ""
    shots(phone, "01-phone-room-busy", full_page=True)

    phone.locator(".own-suggestions li", has_text="Sendt mens rommet var travelt").wait_for(timeout=30000)
    phone.locator(".outbox-item").wait_for(state="detached", timeout=10000)
    shots(phone, "02-phone-sent-after-busy", full_page=True)
    assert len(tries) == REFUSALS + 1
    # Each retry waited at least the Retry-After, and a random share more at most.
    gaps = [later - earlier for earlier, later in zip(tries, tries[1:], strict=False)]
    assert all(RETRY_AFTER * 0.95 <= gap <= RETRY_AFTER * 1.5 + 1.0 for gap in gaps), gaps
    markdown = live_server.flask("minutes", code, "--format", "md")
    assert markdown.count("Sendt mens rommet var travelt") == 1
    context.close()
