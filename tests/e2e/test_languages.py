"""A phone switches to Finnish mid-workshop in Chromium and keeps its suggestions; the projector
and the minutes stay in the workshop's language (Norwegian for the demo seminar)."""
from __future__ import annotations

import pytest

from support.browser import LAPTOP, PHONE, PROJECTOR

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_phone_switches_to_finnish(chromium, live_server, shots):
    code = live_server.flask("demo").strip().splitlines()[-1]
    phone = chromium.new_context(**PHONE, locale="nb-NO").new_page()
    phone.goto(f"{live_server.url}/j/{code}")
    phone.click("main button[type=submit]")
    phone.wait_for_selector("[data-live-status][data-state=online]")
    assert phone.get_attribute("html", "lang") == "nb"
    question = phone.locator(".phone-question.current")
    question.locator("textarea").fill("Kahvia ja pullaa")
    question.locator("button[type=submit]").click()
    phone.locator(".own-suggestions li", has_text="Kahvia ja pullaa").wait_for()

    phone.select_option("#phone-language", "fi")
    phone.locator(".language-form button[type=submit]").click()
    phone.wait_for_function("document.documentElement.lang === 'fi'")
    phone.locator(".own-suggestions li", has_text="Kahvia ja pullaa").wait_for()
    assert "Lähetä" in phone.inner_text(".phone-question.current button[type=submit]")
    shots(phone, "01-phone-in-finnish", full_page=True)
    phone.reload()
    assert phone.get_attribute("html", "lang") == "fi"  # the choice is remembered

    laptop = chromium.new_context(**LAPTOP, locale="fi-FI")
    console = laptop.new_page()
    console.goto(f"{live_server.url}/auth/login")
    console.fill("#email", "demo@facilitator.invalid")
    console.fill("#password", live_server.demo_password())
    console.click("main button[type=submit]")
    projector = laptop.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{live_server.url}/projector/{code}")
    assert projector.get_attribute("html", "lang") == "nb"
    projector.locator("#stage .suggestion", has_text="Kahvia ja pullaa").wait_for()
    markdown = live_server.flask("minutes", code, "--format", "md")
    assert "Forslag:" in markdown and "Kahvia ja pullaa" in markdown
    laptop.close()
