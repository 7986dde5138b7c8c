"""Language of parts (WCAG 3.1.2) in Chromium: a phone set to Finnish on the Norwegian demo seminar.

The page speaks the reader's language (``<html lang="fi">``); what the workshop wrote (its title,
its questions, its themes, the suggestions) carries the workshop's language (``nb``), so a screen
reader pronounces Norwegian as Norwegian. The labels around it stay in the reader's language.
Checked where the content appears: phone, projector, console, results page and printable minutes.
"""
from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PHONE, PROJECTOR
from .test_accessibility import DEMO_EMAIL, log_in, post_and_wait, wait_online

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The language a screen reader uses for an element: its own lang, or the nearest ancestor's.
LANGUAGE_OF = "(el) => el.closest('[lang]').getAttribute('lang')"


def language_of(page, selector: str) -> str:
    return page.locator(selector).first.evaluate(LANGUAGE_OF)


def test_a_finnish_phone_on_a_norwegian_workshop(chromium, live_server, shots):
    base = live_server.url
    code = live_server.flask("demo").strip().splitlines()[-1]
    phone = chromium.new_context(**PHONE, locale="fi-FI").new_page()
    phone.goto(f"{base}/j/{code}")
    assert language_of(phone, "main h1") == "nb", "the workshop's title on the join page"
    phone.click("main button[type=submit]")
    wait_online(phone)
    assert phone.get_attribute("html", "lang") == "fi"
    assert language_of(phone, ".phone-title") == "nb"
    assert language_of(phone, ".phone-question.current .q-text") == "nb"
    assert language_of(phone, ".phone-question.current label") == "fi"
    assert language_of(phone, ".room-suggestions .suggestion") == "nb"

    # A suggestion sent now: in the phone's own list, and pushed live to a second phone.
    other = chromium.new_context(**PHONE, locale="fi-FI").new_page()
    other.goto(f"{base}/j/{code}")
    other.click("main button[type=submit]")
    wait_online(other)
    question = phone.locator(".phone-question.current")
    question.locator("textarea").fill("Kaffe til alle som kommer")
    question.locator("button[type=submit]").click()
    phone.locator(".own-suggestions li", has_text="Kaffe til alle").wait_for()
    assert language_of(phone, ".own-suggestions li") == "nb"
    pushed = other.locator(".room-suggestions .suggestion", has_text="Kaffe til alle")
    pushed.wait_for(state="attached")
    assert pushed.evaluate(LANGUAGE_OF) == "nb", "the pushed fragment"
    shots(phone, "01-finnish-phone", full_page=True)

    # The console in English: the workshop's words are Norwegian, its labels English.
    laptop = chromium.new_context(**LAPTOP, locale="en-GB")
    console = laptop.new_page()
    log_in(console, base, DEMO_EMAIL, live_server.demo_password())
    console.goto(base + "/host/")
    console.locator(".workshop-list a", has_text="Hallingdal").first.click()
    console.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
    console_url = console.url
    console_language = console.get_attribute("html", "lang")
    assert language_of(console, ".page-head h1") == "nb"
    assert language_of(console, ".question-list .q-text") == "nb"
    assert language_of(console, ".feed .suggestion") == "nb"
    assert language_of(console, "#feed-heading") == console_language
    console.goto(console_url + "/suggestions")
    assert language_of(console, "#board-heading") == "nb"
    assert language_of(console, ".card-item .card-text span[dir]") == "nb"
    assert language_of(console, ".question-tabs a span") == "nb"
    post_and_wait(console, console.locator(".question-tabs a").nth(1))
    assert language_of(console, ".board-column[data-theme-id]:not([data-theme-id='']) h3 span") == "nb"

    # The projector speaks the workshop's language throughout, its stage included.
    projector = laptop.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{base}/projector/{code}")
    wait_online(projector)
    assert projector.get_attribute("html", "lang") == "nb"
    assert projector.get_attribute("#stage", "lang") == "nb"

    # Closed: the results page in Finnish, the minutes in Norwegian.
    console.goto(console_url)
    post_and_wait(console, console.locator("form[action$='/status']:has(input[value=closed]) button"))
    # The phone hears the workshop close and reloads by itself: its page is now the results
    # (going to them from the test instead raced that reload, which then interrupted it).
    phone.locator("#results-heading").wait_for(timeout=15000)
    assert phone.get_attribute("html", "lang") == "fi"
    assert language_of(phone, ".phone-title") == "nb"
    assert language_of(phone, "#results-heading") == "fi"
    assert language_of(phone, "main section h2[id^=q-]") == "nb"
    assert language_of(phone, "main .suggestions .suggestion") == "nb"
    assert language_of(phone, "main h3.small-heading") == "fi", "a label of the page, not the workshop's"
    shots(phone, "02-finnish-results", full_page=True)
    workshop_id = console_url.rstrip("/").rsplit("/", 1)[-1]
    console.goto(f"{base}/export/{workshop_id}/minutes.html")
    assert console.get_attribute("html", "lang") == "nb"
    for context in (phone.context, other.context, laptop):
        context.close()
