"""Every kind of question in Chromium: the facilitator prepares them in the console, three phones
answer (one with JavaScript, one without, one offline and then online), the projector shows each
result without a reload, and axe-core finds nothing on the new page states.
Screenshots at 390×844 (phone) and 1920×1080 (projector) land in tests/artifacts/test_question_kinds."""
from __future__ import annotations

import re

import pytest

from support.browser import PHONE, PROJECTOR
from .test_accessibility import Report, create_workshop, join, set_up_facilitator, wait_online

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KINDS = [
    ("Hvilket tiltak vil du at servicetorga starter med?", {"kind": "choice", "options": "Lengre åpningstid\nDigital hjelp\nFelles skranke", "allow_other": True}),
    ("Hvor nyttig var kvelden for deg?", {"kind": "scale", "scale": "1-5", "low_label": "Ikke nyttig", "high_label": "Svært nyttig"}),
    ("Ranger tiltakene", {"kind": "ranking", "options": "Buss\nSykkel\nGange"}),
    ("Spørsmål til panelet", {"kind": "qanda"}),
]


def add_question(console, text: str, settings: dict) -> None:
    """Add a question of a kind from the console's form (htmx swaps the console)."""
    form = console.locator("form.add-question")
    form.locator("textarea[name=text]").fill(text)
    details = form.locator("details.new-question-kind")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    form.locator("select[name=kind]").select_option(settings["kind"])
    if "options" in settings:
        form.locator("textarea[name=options]").fill(settings["options"])
    if settings.get("allow_other"):
        form.locator("input[name=allow_other]").check()
    if "scale" in settings:
        form.locator("select[name=scale]").select_option(settings["scale"])
        form.locator("input[name=low_label]").fill(settings["low_label"])
        form.locator("input[name=high_label]").fill(settings["high_label"])
    form.locator("button[type=submit]").click()
    console.locator(".question-list .q-text", has_text=text).wait_for()


def question_item(console, text: str):
    return console.locator(".question-list > li", has=console.locator(".q-text", has_text=text))


def show(console, text: str) -> None:
    item = question_item(console, text)
    item.locator("button", has_text="Show on projector").click()
    question_item(console, text).locator(".badge.on-screen").wait_for()


@pytest.fixture(scope="module")
def room(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    console = context.new_page()
    set_up_facilitator(console, live_server.url)
    workshop = create_workshop(console, live_server.url, "Regionalt seminar", ["Hva bør servicetorget gjøre?"],
                               language="nb")
    for text, settings in KINDS:
        add_question(console, text, settings)
    projector = context.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{live_server.url}/projector/{workshop.code}")
    wait_online(projector)
    yield console, projector, workshop
    context.close()


def phone_page(chromium, live_server, code, **options):
    page = chromium.new_context(**PHONE, locale="nb-NO", bypass_csp=True, **options).new_page()
    join(page, live_server.url, code)
    return page


def answer_block(phone, text: str):
    return phone.locator(".phone-question", has=phone.locator(".q-text", has_text=text))


def test_three_phones_answer_a_poll_and_the_projector_follows(chromium, live_server, room, shots):
    console, projector, workshop = room
    poll = KINDS[0][0]
    show(console, poll)
    projector.locator("[data-testid=choice-chart]").wait_for()
    report = Report()

    # With JavaScript: the answer is saved and says so; the bars move on the wall without a reload.
    phone = phone_page(chromium, live_server, workshop.code)
    wait_online(phone)
    block = answer_block(phone, poll)
    block.locator("label.choice-option", has_text="Digital hjelp").click()
    assert block.locator("label.choice-option").first.bounding_box()["height"] >= 44
    block.locator("button[type=submit]").click()
    phone.locator(".phone-results [data-testid=choice-chart]").wait_for()
    assert "Lagret" in block.locator("[data-send-status]").inner_text()
    projector.wait_for_function("() => document.querySelector('#stage').innerText.includes('1 · 100 %')")
    shots(phone, "phone-choice-answered")
    report.check(phone, "phone, multiple choice answered")

    # Without JavaScript: a plain form post and a redirect.
    plain = phone_page(chromium, live_server, workshop.code, java_script_enabled=False)
    block = answer_block(plain, poll)
    block.locator("label.choice-option", has_text="Annet").click()
    block.locator("input[name=other_text]").fill("Buss til servicetorget")
    block.locator("button[type=submit]").click()
    plain.wait_for_selector(".flash")
    projector.wait_for_function("() => document.querySelector('#stage').innerText.includes('2 personer har svart')")

    # Offline: the answer waits on the phone, says so honestly, and goes when the network is back.
    offline = phone_page(chromium, live_server, workshop.code)
    wait_online(offline)
    offline.context.set_offline(True)
    block = answer_block(offline, poll)
    block.locator("label.choice-option", has_text="Digital hjelp").click()
    block.locator("button[type=submit]").click()
    offline.wait_for_function("() => /Ikke sendt ennå|trying again|prøver/i.test("
                              "document.querySelector('[data-answer-for] [data-send-status]').innerText)")
    shots(offline, "phone-choice-offline")
    offline.context.set_offline(False)
    offline.evaluate("() => window.dispatchEvent(new Event('online'))")
    offline.locator(".phone-results").wait_for(timeout=20000)
    projector.wait_for_function("() => document.querySelector('#stage').innerText.includes('3 personer har svart')")
    assert "2 · 67 %" in projector.locator("#stage").inner_text()
    shots(projector, "projector-choice")
    report.check(projector, "projector, multiple choice", schemes=("dark",))
    report.assert_clean()


def test_scale_ranking_and_questions_to_the_panel_on_phone_and_projector(chromium, live_server, room, shots):
    console, projector, workshop = room
    report = Report()
    scale, ranking, panel = (text for text, _settings in KINDS[1:])
    phone = phone_page(chromium, live_server, workshop.code)
    wait_online(phone)

    show(console, scale)
    phone.reload()
    block = answer_block(phone, scale)
    block.locator(".scale-point", has_text="4").click()
    block.locator("button[type=submit]").click()
    phone.locator(".phone-results [data-testid=scale-chart]").wait_for()
    projector.wait_for_function("() => document.querySelector('#stage').innerText.includes('1 person har svart')")
    shots(phone, "phone-scale")
    shots(projector, "projector-scale")
    report.check(phone, "phone, scale answered")

    show(console, ranking)
    phone.reload()
    block = answer_block(phone, ranking)
    # Moving an option (by touch or keyboard) renumbers the places in the order shown.
    block.locator(".rank-row").first.locator("[data-move=down]").click()
    assert block.locator(".rank-row label").first.inner_text() == "Sykkel"
    assert [s.input_value() for s in block.locator("select").all()] == ["1", "2", "3"]
    phone.keyboard.press("Enter")  # the focus stayed on the moved option's button: it moves again
    assert block.locator(".rank-row label").nth(2).inner_text() == "Buss"
    selects = block.locator("select")
    for index, place in enumerate(("2", "1", "1")):
        selects.nth(index).select_option(place)
    block.locator("button[type=submit]").click()
    block.locator("[data-send-error]").wait_for()
    assert selects.nth(2).input_value() == "1", "the refused choices stay"
    selects.nth(2).select_option("3")
    block.locator("button[type=submit]").click()
    phone.locator(".phone-results [data-testid=ranking-chart]").wait_for()
    projector.wait_for_function("() => document.querySelector('#stage').innerText.includes('Sykkel')")
    shots(phone, "phone-ranking")
    shots(projector, "projector-ranking")
    report.check(phone, "phone, ranking answered")

    show(console, panel)
    phone.reload()
    watcher = phone_page(chromium, live_server, workshop.code)
    wait_online(watcher)
    block = answer_block(phone, panel)
    block.locator("textarea").fill("Når kommer bussen til bygda?")
    block.locator(".compose button[type=submit]").click()
    # Another phone sees the new question to upvote without a reload.
    answer_block(watcher, panel).locator(".panel-question", has_text="Når kommer bussen").wait_for(timeout=15000)
    other = phone_page(chromium, live_server, workshop.code, java_script_enabled=False)
    other_block = answer_block(other, panel)
    other_block.locator("textarea").fill("Hvem betaler for skranken?")
    other_block.locator(".compose button[type=submit]").click()
    other.wait_for_selector(".flash")
    # The watcher has refetched its list for the new question before the upvote, so only the
    # upvote's own push can move its count below.
    answer_block(watcher, panel).locator(".panel-question", has_text="Hvem betaler").wait_for(timeout=15000)
    answer_block(other, panel).locator(".panel-question", has_text="Når kommer bussen").locator("button").click()
    projector.wait_for_function("() => document.querySelector('#stage').innerText.includes('▲ 1')")
    # The watching phone's count moves too, without a reload.
    answer_block(watcher, panel).locator(".panel-question", has_text="Når kommer bussen").locator(
        "[data-upvotes-of]").filter(has_text="1").wait_for(timeout=15000)
    phone.reload()
    shots(phone, "phone-qanda")
    shots(projector, "projector-qanda")
    report.check(phone, "phone, questions to the panel")
    report.check(projector, "projector, questions to the panel", schemes=("dark",))
    console.reload()
    assert re.search(r"Svar: 1 av \d+|Answers: 1 of \d+", console.locator("#questions").inner_text())
    report.assert_clean()


def test_a_likert_grid_on_zero_to_ten_and_the_console_form(chromium, live_server, room, shots):
    console, projector, workshop = room
    console.set_viewport_size({"width": 1366, "height": 900})
    form = console.locator("form.add-question")
    form.locator("details.new-question-kind summary").click()
    shots(console, "console-add-question-form")
    add_question(console, "Hvor sannsynlig er det at du anbefaler servicetorget?",
                 {"kind": "scale", "options": "Til en venn\nTil en kollega", "scale": "0-10",
                  "low_label": "Slett ikke", "high_label": "Svært sannsynlig"})
    item = question_item(console, "Hvor sannsynlig er det")
    item.locator("details.edit-question", has=console.locator("summary", has_text="Kind and options")).locator("summary").click()
    shots(console, "console-kind-form-of-a-question")
    show(console, "Hvor sannsynlig er det")
    for ratings in ((10, 9), (9, 7), (3, 6)):
        phone = phone_page(chromium, live_server, workshop.code)
        block = answer_block(phone, "Hvor sannsynlig er det")
        for row, value in zip(block.locator("fieldset.scale-row").all(), ratings, strict=True):
            row.locator(".scale-point", has_text=re.compile(rf"^{value}$")).click()
        block.locator("button[type=submit]").click()
        phone.locator(".phone-results").wait_for()
    shots(phone, "phone-likert-grid", full_page=True)
    projector.wait_for_function("() => document.querySelector('#stage').innerText.includes('3 personer har svart')")
    text = projector.locator("#stage").inner_text()
    # A grid on the wall gives each statement its mean and the shares of 9–10 and 0–6 (the phone and
    # the minutes add 7–8 and the score).
    assert "9–10: 67 % · 0–6: 33 %" in text and "9–10: 33 % · 0–6: 33 %" in text
    shots(projector, "projector-likert-grid")
    report = Report()
    report.check(console, "console, kind form", schemes=("light",))
    report.check(projector, "projector, Likert grid 0-10", schemes=("dark",))
    report.assert_clean()


def refetch_the_panel(phone) -> None:
    """What live.js does when the facilitator changes the questions: the phone's panel is fetched
    again and swapped in. Waits until the new panel is in place."""
    phone.evaluate("() => { document.querySelector('#phone-panel > *').__old = true; }")
    phone.evaluate("() => htmx.trigger(document.getElementById('phone-panel'), 'refresh')")
    phone.wait_for_function("() => !document.querySelector('#phone-panel > *').__old")
    phone.wait_for_timeout(200)


def test_a_choice_or_an_order_not_yet_sent_survives_a_refetch_of_the_panel(chromium, live_server, room):
    """The facilitator changes something while a person is still choosing: the panel is refetched,
    and what they had chosen, but not yet sent, stays chosen (an order put together option by
    option most of all)."""
    console, projector, workshop = room
    poll, ranking = KINDS[0][0], KINDS[2][0]
    show(console, poll)
    phone = phone_page(chromium, live_server, workshop.code)
    wait_online(phone)
    answer_block(phone, poll).locator("label.choice-option", has_text="Felles skranke").click()
    refetch_the_panel(phone)
    checked = answer_block(phone, poll).locator("input:checked")
    assert checked.count() == 1
    assert checked.evaluate("(input) => input.closest('label').innerText").strip() == "Felles skranke"

    show(console, ranking)
    phone.reload()
    block = answer_block(phone, ranking)
    block.locator(".rank-row").first.locator("[data-move=down]").click()  # Sykkel, Buss, Gange
    block.locator(".rank-row").nth(1).locator("[data-move=down]").click()  # Sykkel, Gange, Buss
    refetch_the_panel(phone)
    block = answer_block(phone, ranking)
    assert [label.strip() for label in block.locator(".rank-row label").all_inner_texts()] == \
        ["Sykkel", "Gange", "Buss"]
    assert [s.input_value() for s in block.locator("select").all()] == ["1", "2", "3"]
    phone.context.close()
