"""The phone's outbox in Chromium: a suggestion sent without network waits, says so honestly,
survives a reload, and is stored exactly once when the network returns."""
from __future__ import annotations

import pytest

from support.browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_offline_suggestion_waits_and_is_stored_once(chromium, live_server, shots):
    code = live_server.flask("demo").strip().splitlines()[-1]
    context = chromium.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/j/{code}")
    phone.click("main button[type=submit]")
    phone.wait_for_selector("[data-live-status][data-state=online]")

    context.set_offline(True)
    question = phone.locator(".phone-question.current")
    question.locator("textarea").fill("Skrevet uten nett")
    question.locator("button[type=submit]").click()
    item = phone.locator(".outbox-item", has_text="Skrevet uten nett")
    item.wait_for()
    phone.locator(".outbox-item.retrying").wait_for(timeout=15000)
    assert question.locator("textarea").input_value() == ""
    assert phone.locator(".own-suggestions li", has_text="Skrevet uten nett").count() == 0
    shots(phone, "01-phone-offline", full_page=True)

    # Back online and reloaded: the outbox sends what it kept, under the same id.
    context.set_offline(False)
    phone.reload()
    phone.locator(".own-suggestions li", has_text="Skrevet uten nett").wait_for(timeout=20000)
    phone.locator(".outbox-item").wait_for(state="detached", timeout=20000)
    shots(phone, "02-phone-back-online", full_page=True)
    markdown = live_server.flask("minutes", code, "--format", "md")
    assert markdown.count("Skrevet uten nett") == 1
    context.close()
