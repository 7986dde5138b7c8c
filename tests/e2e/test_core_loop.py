"""The core loop end to end, in Debian's Chromium: prepare, go live, join by code, see
suggestions arrive on the projector without a reload, switch question, download minutes."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.browser import LAPTOP, PHONE, PROJECTOR

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTIONS = ["Hva kan du gjøre for å gi overraskende god service?",
             "Hva kan servicetorga gjøre for å få tilflyttere til å bli?"]


def mark_page(page):
    """A flag that a reload would wipe: proves updates arrived without one."""
    page.evaluate("window.__noReload = true")


def assert_not_reloaded(page):
    assert page.evaluate("window.__noReload === true"), "the page was reloaded"


def set_up_facilitator(page, base):
    page.goto(base + "/")
    page.wait_for_url("**/auth/setup")
    page.fill("#name", "Turid Hilde Gåsbakk")
    page.fill("#email", "turid@example.org")
    page.fill("#password", "et passord som er langt")
    page.fill("#confirm", "et passord som er langt")
    page.click("button[type=submit]")
    page.wait_for_url("**/host/workshops/new")


def create_live_workshop(page, shots) -> str:
    page.fill("#title", "Regional samling for servicetorga i Hallingdal")
    page.fill("#date", "2010-04-13")
    page.fill("#start_time", "16:00")
    page.fill("#end_time", "20:00")
    page.fill("#place", "Gol")
    page.fill("#theme", "Tilflytting")
    page.select_option("#language", "nb")
    page.fill("#questions", "\n".join(QUESTIONS))
    shots(page, "01-new-workshop", full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
    page.click("button:has-text('Go live')")
    page.wait_for_selector("[data-testid=join-code]")
    shots(page, "02-console-live", full_page=True)
    return page.inner_text("[data-testid=join-code]").replace(" ", "")


def join_by_typing(phone, base, code, name):
    phone.goto(base + "/")
    phone.fill("#code", code.lower())
    phone.click("button[type=submit]")
    phone.wait_for_url(f"**/j/{code}")
    phone.fill("#display_name", name)
    phone.click("button[type=submit]")
    phone.wait_for_selector("#phone-panel")


def send(phone, text):
    box = phone.locator("#phone-panel textarea").first
    box.fill(text)
    phone.locator("#phone-panel form button[type=submit]").first.click()
    phone.locator(".own-suggestions li", has_text=text).wait_for()
    assert box.input_value() == "" or phone.locator("#phone-panel textarea").first.input_value() == ""


def test_core_loop(chromium, live_server, shots):
    base = live_server.url
    laptop = chromium.new_context(**LAPTOP, accept_downloads=True)
    console = laptop.new_page()
    set_up_facilitator(console, base)
    code = create_live_workshop(console, shots)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", code)

    projector = laptop.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{base}/projector/{code}")
    projector.wait_for_selector("[data-live-status][data-state=online]")
    assert projector.inner_text("[data-testid=projector-code]").replace(" ", "") == code
    mark_page(projector)

    phones = []
    for name in ("Kari", "Ola"):
        phone = chromium.new_context(**PHONE).new_page()
        join_by_typing(phone, base, code, name)
        phone.wait_for_selector("[data-live-status][data-state=online]")
        assert QUESTIONS[0] in phone.inner_text("#phone-panel")
        mark_page(phone)
        phones.append(phone)
    shots(phones[0], "03-phone-joined")

    first = ["De små ting", "Server en kopp kaffe", "Smil høres i telefonen"]
    for index, text in enumerate(first):
        send(phones[index % 2], text)
        projector.locator("#stage .suggestion", has_text=text).wait_for(timeout=15000)
    shots(phones[0], "04-phone-sent", full_page=True)
    shots(projector, "05-projector-first-question")
    assert_not_reloaded(projector)

    # The facilitator moves on; projector and phones follow without a reload.
    console.reload()
    console.locator("#question-list, .question-list").wait_for()
    console.locator(".question", has_text=QUESTIONS[1]).locator("button:has-text('Show on projector')").click()
    projector.locator("#stage .stage-question", has_text=QUESTIONS[1]).wait_for(timeout=15000)
    for phone in phones:
        phone.locator(".phone-question.current .q-text", has_text=QUESTIONS[1]).wait_for(timeout=20000)
        assert_not_reloaded(phone)
    assert_not_reloaded(projector)

    second = ["Velkomstpakke", "Innflytterfadder"]
    for phone, text in zip(phones, second, strict=True):
        box = phone.locator(".phone-question.current textarea")
        box.fill(text)
        phone.locator(".phone-question.current button[type=submit]").click()
        phone.locator(".phone-question.current .own-suggestions li", has_text=text).wait_for()
        projector.locator("#stage .suggestion", has_text=text).wait_for(timeout=15000)
    shots(phones[1], "06-phone-second-question", full_page=True)
    shots(projector, "07-projector-second-question")

    console.goto(console.url + "/minutes")
    shots(console, "08-minutes-editor", full_page=True)
    with console.expect_download() as download_info:
        console.click("a:has-text('Download Markdown')")
    markdown = Path(download_info.value.path()).read_text(encoding="utf-8")
    sections = {q: markdown.split(f"## {q}", 1)[1].split("\n## ", 1)[0] for q in QUESTIONS}
    assert [line[2:] for line in sections[QUESTIONS[0]].splitlines() if line.startswith("- ")] == first
    assert [line[2:] for line in sections[QUESTIONS[1]].splitlines() if line.startswith("- ")] == second
    assert markdown.startswith("# Regional samling for servicetorga i Hallingdal")
    laptop.close()


def test_projector_catches_up_after_a_dropped_connection(chromium, live_server, shots):
    """The server restarts while a phone sends; the projector reconnects and shows what it missed."""
    base = live_server.url
    laptop = chromium.new_context(**LAPTOP)
    page = laptop.new_page()
    page.goto(base + "/auth/login")
    page.fill("#email", "turid@example.org")
    page.fill("#password", "et passord som er langt")
    page.click("button[type=submit]")
    page.click("text=Regional samling for servicetorga i Hallingdal")
    code = page.inner_text("[data-testid=join-code]").replace(" ", "")
    projector = laptop.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{base}/projector/{code}")
    projector.wait_for_selector("[data-live-status][data-state=online]")
    mark_page(projector)
    phone = chromium.new_context(**PHONE).new_page()
    join_by_typing(phone, base, code, "Per")

    # Cut the projector off: its socket dies with the server, and its reconnects fail for now.
    laptop.route("**/socket.io/**", lambda route: route.abort())
    live_server.stop()
    projector.wait_for_selector("[data-live-status][data-state=offline]", timeout=20000)
    live_server.start()
    phone.reload()
    send(phone, "Sendt mens prosjektoren var frakoblet")
    assert projector.locator("#stage .suggestion", has_text="frakoblet").count() == 0
    shots(projector, "09-projector-offline")
    laptop.unroute("**/socket.io/**")
    projector.locator("#stage .suggestion", has_text="frakoblet").wait_for(timeout=20000)
    projector.wait_for_selector("[data-live-status][data-state=online]")
    assert_not_reloaded(projector)
    shots(projector, "10-projector-caught-up")
    laptop.close()


def test_phone_without_javascript_joins_and_sends(chromium, live_server, shots):
    base = live_server.url
    phone = chromium.new_context(**PHONE, java_script_enabled=False).new_page()
    phone.goto(base + "/")
    code = live_server.flask("demo").strip().splitlines()[-1]
    phone.fill("#code", code)
    phone.click("button[type=submit]")
    phone.fill("#display_name", "Uten skript")
    phone.click("button[type=submit]")
    phone.locator(".phone-question textarea").first.fill("Fungerer uten JavaScript")
    phone.locator(".phone-question form button[type=submit]").first.click()
    phone.wait_for_url(re.compile(rf".*/j/{code}(#q-\d+)?$"))
    assert phone.locator(".own-suggestions li", has_text="Fungerer uten JavaScript").count() == 1
    assert phone.locator(".flash-success").count() == 1
    shots(phone, "11-phone-no-javascript", full_page=True)
