"""A café dialogue end to end in Chromium: three tables, two short timed rounds, a host writing
for the table, moderation, dot voting from two phones, a theme and an action; the projector
follows every step without a reload, and the Markdown minutes carry it all."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.browser import LAPTOP, PHONE, PROJECTOR
from .test_core_loop import assert_not_reloaded, mark_page, set_up_facilitator

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTIONS = ["Hva kan du gjøre for å gi overraskende god service?",
             "Hva kan servicetorga gjøre for å få tilflyttere til å bli?"]


def post_and_wait(page, button):
    with page.expect_navigation():
        button.click()


def open_cafe(console, base, title, questions, tables):
    """The first facilitator sets up, makes a Norwegian workshop with these questions, takes it
    live and sets its tables; returns the workshop's console URL and its join code."""
    set_up_facilitator(console, base)
    console.fill("#title", title)
    console.select_option("#language", "nb")
    console.fill("#questions", "\n".join(questions))
    console.click("main button[type=submit]")
    console.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
    workshop_url = console.url
    console.click("button:has-text('Go live')")
    code = console.inner_text("[data-testid=join-code]").replace(" ", "")
    console.goto(workshop_url + "/cafe")
    console.fill("#table-count", str(tables))
    post_and_wait(console, console.locator("button:has-text('Save tables')"))
    return workshop_url, code


def join_at_table(chromium, base, code, name, table, host=False):
    phone = chromium.new_context(**PHONE).new_page()
    phone.goto(f"{base}/j/{code}")
    phone.fill("#display_name", name)
    phone.select_option("#table", str(table))
    if host:
        phone.check("#host")
    phone.click("main button[type=submit]")
    phone.wait_for_selector("[data-live-status][data-state=online]")
    mark_page(phone)
    return phone


def send(phone, text):
    form = phone.locator(".phone-question.current").first
    form.locator("textarea").fill(text)
    form.locator("button[type=submit]").click()
    phone.locator(".own-suggestions li", has_text=text).first.wait_for()


def test_cafe_dialogue(chromium, live_server, shots):
    base = live_server.url
    laptop = chromium.new_context(**LAPTOP, accept_downloads=True)
    console = laptop.new_page()
    workshop_url, code = open_cafe(console, base, "Kafédialog om service", QUESTIONS, tables=3)

    projector = laptop.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{base}/projector/{code}")
    projector.wait_for_selector("[data-live-status][data-state=online]")
    mark_page(projector)

    host = join_at_table(chromium, base, code, "Vert", 1, host=True)
    guest = join_at_table(chromium, base, code, "Gjest", 2)
    assert "1" in host.inner_text("[data-testid=table-label]")

    # Round 1: twelve seconds on the first question.
    console.fill("#round-minutes", "0.2")
    console.select_option("#round-question", label=f"1. {QUESTIONS[0]}")
    post_and_wait(console, console.locator("button:has-text('Start round 1')"))
    for phone in (host, guest):
        phone.locator(".countdown [data-clock]").wait_for(timeout=20000)
    projector.locator("#stage .countdown").wait_for(timeout=15000)
    assert "1" in host.inner_text("label.for-table")  # the host writes for the table
    send(host, "Kaffe til alle")
    for text in ("Server kaffe", "Tull og tøys", "Smil i telefonen"):
        send(guest, text)
    for text in ("Kaffe til alle", "Server kaffe", "Tull og tøys", "Smil i telefonen"):
        projector.locator("#stage .suggestion", has_text=text).wait_for(timeout=15000)
    shots(host, "01-host-round-1", full_page=True)
    shots(projector, "02-projector-round-1")

    # The timer runs out on the server's clock; the phones say where to go.
    guest.locator("[data-testid=move-notice]", has_text="3").wait_for(timeout=15000)
    host.locator("[data-testid=move-notice]").wait_for(timeout=15000)
    shots(guest, "03-guest-move", full_page=True)

    # Moderation on the first question: hide, merge, pin.
    console.goto(workshop_url + "/suggestions")
    def card(text):
        return console.locator(".card-item").filter(has=console.locator(".card-text", has_text=text))
    card("Tull og tøys").locator("button:has-text('Hide')").click()
    projector.locator("#stage .suggestion", has_text="Tull og tøys").wait_for(state="detached", timeout=15000)
    card("Server kaffe").locator("summary").click()
    card("Server kaffe").locator("select[name=target]").select_option(label="Kaffe til alle")
    card("Server kaffe").locator("button:text-is('Merge')").click()
    projector.locator("#stage .suggestion", has_text="Server kaffe").wait_for(state="detached", timeout=15000)
    card("Smil i telefonen").locator("button:has-text('Pin')").click()
    projector.locator("#stage .suggestion.pinned", has_text="Smil i telefonen").wait_for(timeout=15000)
    assert projector.locator("#stage .suggestion").first.inner_text() == "Smil i telefonen"
    shots(projector, "04-projector-moderated")

    # Dot voting from two phones, a live tally, then the ranking.
    console.fill("#budget", "3")
    console.fill("#max-per-item", "2")
    post_and_wait(console, console.locator("button:has-text('Open voting')"))
    projector.locator("[data-testid=tally]").wait_for(timeout=15000)
    for phone, picks in ((host, ["Kaffe til alle", "Kaffe til alle"]), (guest, ["Kaffe til alle", "Smil i telefonen"])):
        phone.locator(".voting").wait_for(timeout=20000)
        for text in picks:
            before = phone.inner_text("[data-testid=dots-left]")
            phone.locator("[data-testid=vote-item]", has_text=text).locator("button:has-text('+')").click()
            phone.wait_for_function("(before) => document.querySelector('[data-testid=dots-left]').innerText !== before",
                                    arg=before)
    projector.locator("#stage", has_text="2").wait_for()
    shots(guest, "05-guest-voting", full_page=True)
    shots(projector, "06-projector-tally")
    post_and_wait(console, console.locator("button:has-text('Close voting')"))
    projector.locator("ol.tally.ranking").wait_for(timeout=15000)
    first = projector.locator("ol.ranking .tally-row").first.inner_text()
    assert "Kaffe til alle" in first and "3" in first
    shots(projector, "07-projector-ranking")

    # A theme (with the keyboard path: the card's menu) and an action.
    console.fill("#new-theme", "Vertskap")
    post_and_wait(console, console.locator("button:has-text('Add theme')"))
    card("Kaffe til alle").locator("select[name=theme]").select_option(label="Vertskap")
    card("Kaffe til alle").locator("button:has-text('Move')").click()
    console.locator(".board-column[aria-label=Vertskap] .card-text", has_text="Kaffe til alle").wait_for()
    card("Kaffe til alle").locator("summary").click()
    card("Kaffe til alle").locator("input[name=owner]").fill("Servicetorget")
    card("Kaffe til alle").locator("input[name=due_date]").fill("2026-12-01")
    post_and_wait(console, card("Kaffe til alle").locator("button:has-text('Add to the action plan')"))
    shots(console, "08-console-board", full_page=True)

    # Round 2 on the second question: the guest has moved, the host stays and sees round 1.
    console.goto(workshop_url + "/cafe")
    console.fill("#round-minutes", "0.2")
    console.select_option("#round-question", label=f"2. {QUESTIONS[1]}")
    post_and_wait(console, console.locator("button:has-text('Start round 2')"))
    projector.locator("#stage .stage-question", has_text=QUESTIONS[1]).wait_for(timeout=15000)
    guest.locator("[data-testid=table-label]", has_text="3").wait_for(timeout=20000)
    host.locator(".history li", has_text="Kaffe til alle").wait_for(timeout=20000)
    send(guest, "Velkomstpakke")
    projector.locator("#stage .suggestion", has_text="Velkomstpakke").wait_for(timeout=15000)
    shots(host, "09-host-round-2", full_page=True)
    for page in (projector, host, guest):
        assert_not_reloaded(page)

    console.goto(workshop_url + "/minutes")
    with console.expect_download() as download_info:
        console.click("a:has-text('Markdown')")
    markdown = Path(download_info.value.path()).read_text(encoding="utf-8")
    first_section = markdown.split(f"## {QUESTIONS[0]}", 1)[1].split(f"## {QUESTIONS[1]}", 1)[0]
    assert "Kaffe til alle" in first_section and "Tull og tøys" not in first_section
    assert "Velkomstpakke" in markdown.split(f"## {QUESTIONS[1]}", 1)[1]
    for expected in ("Vertskap", "Servicetorget", "Smil i telefonen"):
        assert expected in markdown, expected
    ranking = first_section[first_section.index("Kaffe til alle"):]
    assert "3" in ranking.splitlines()[0]
    laptop.close()
