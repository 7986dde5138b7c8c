"""Sending from a phone in Chromium, on a slow network and when the server says no: what is typed
stays, statuses are announced from live regions that stay in the page, the focus goes where the
next action is, and an item the server will not take stays on the phone with why and a way on."""
from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from facilitator.services.lookup_cache import TTL_SECONDS
from support.browser import PHONE, ROOT
from .test_accessibility import join, wait_online

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Marks an element with a property that a replacement of the element would not carry.
MARK = "(el) => { el.__kept = true; }"
KEPT = "(el) => el.__kept === true"


def slow_network(page, latency_ms: int):
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency_ms,
                                                      "downloadThroughput": -1, "uploadThroughput": -1})
    return session


def joined_phone(chromium, live_server, code: str):
    # A Norwegian phone: the outbox's texts come from the server in the phone's language.
    phone = chromium.new_context(**PHONE, locale="nb-NO").new_page()
    join(phone, live_server.url, code)
    wait_online(phone)
    return phone


@pytest.fixture(scope="module")
def code(live_server):
    return live_server.flask("demo").strip().splitlines()[-1]


def test_typing_survives_a_slow_answer_and_the_status_is_announced(chromium, live_server, code, shots):
    phone = joined_phone(chromium, live_server, code)
    question = phone.locator(".phone-question.current")
    box, send = question.locator("textarea"), question.locator("button[type=submit]")
    status = question.locator("[data-send-status]")
    box.evaluate(MARK)
    slow_network(phone, 1500)

    # Sent with a tap; the next suggestion is typed while the first one's answer arrives.
    box.fill("Kaffi og vafler i pausen")
    send.click()
    assert box.input_value() == ""
    box.click()
    phone.keyboard.type("Ein felles lunsj for alle bord", delay=120)
    question.locator(".own-suggestions li", has_text="Kaffi og vafler").wait_for(timeout=15000)
    phone.keyboard.type(" etterpå", delay=50)
    assert box.input_value() == "Ein felles lunsj for alle bord etterpå"
    assert box.evaluate("(el) => [el.selectionStart, el === document.activeElement]") == [len(box.input_value()), True]
    assert box.evaluate(KEPT), "the text box was replaced"
    # The live region, there before the answer, received the server's words.
    assert status.get_attribute("role") == "status"
    assert status.inner_text().strip() == "Sendt! Takk."
    status.evaluate(MARK)
    shots(phone, "01-phone-after-a-send", full_page=False)

    # Enter on the button sends the next one; the focus comes back to the emptied box.
    send.focus()
    phone.keyboard.press("Enter")
    assert phone.evaluate("() => document.activeElement.tagName") == "TEXTAREA"
    assert box.input_value() == ""
    phone.wait_for_function("(el) => el.innerText.includes('Sender')", arg=status.element_handle())
    question.locator(".own-suggestions li", has_text="Ein felles lunsj").wait_for(timeout=15000)
    phone.wait_for_function("(el) => el.innerText.includes('Takk')", arg=status.element_handle())
    assert status.evaluate(KEPT), "the status region was replaced"

    # Space on the button does the same.
    box.fill("Ein tredje idé")
    send.focus()
    phone.keyboard.press(" ")
    assert phone.evaluate("() => document.activeElement.tagName") == "TEXTAREA"
    question.locator(".own-suggestions li", has_text="Ein tredje idé").wait_for(timeout=15000)
    phone.context.close()


def test_typing_survives_a_refetch_of_the_panel_that_was_on_its_way(chromium, live_server, code, shots):
    """When the facilitator changes the question, every phone refetches its panel (live.js). On a
    slow network the person goes on typing while that refetch is on its way: what is in the box
    when the new panel arrives is what must stay, not what was there when it set out."""
    phone = joined_phone(chromium, live_server, code)
    held = []
    phone.route(re.compile(r".*/j/[^/]+/panel$"), lambda route: held.append(route))
    box = phone.locator(".phone-question.current textarea")
    box.fill("Ein buss")
    # What live.js does when the questions change: the panel is fetched again.
    phone.evaluate("() => htmx.trigger(document.getElementById('phone-panel'), 'refresh')")
    for _ in range(100):
        if held:
            break
        phone.wait_for_timeout(100)
    assert held, "the panel was not refetched"
    box.click()
    phone.keyboard.press("End")
    phone.keyboard.type(" til bygda kvar time", delay=20)
    held.pop().continue_()
    phone.wait_for_function("() => !document.querySelector('#phone-panel.htmx-request, #phone-panel .htmx-request')")
    phone.wait_for_load_state("networkidle")
    phone.wait_for_timeout(300)
    box = phone.locator(".phone-question.current textarea")
    assert box.input_value() == "Ein buss til bygda kvar time"
    assert phone.evaluate("() => document.activeElement.tagName") == "TEXTAREA"
    phone.context.close()


def test_a_phone_no_longer_joined_keeps_its_item_and_sends_it_after_joining_again(chromium, live_server, code, shots):
    phone = joined_phone(chromium, live_server, code)
    # The join cookie is gone (a cleared browser, a new session): the server answers with the join page.
    phone.context.clear_cookies()
    question = phone.locator(".phone-question.current")
    question.locator("textarea").fill("Ei velkomstgruppe for nye innbyggjarar")
    question.locator("button[type=submit]").click()
    item = phone.locator(".outbox-item.held", has_text="Ei velkomstgruppe")
    item.wait_for(timeout=15000)
    assert "ikke lenger med" in item.inner_text()
    assert "ikke lenger med" in question.locator("[data-send-status]").inner_text()
    shots(phone, "02-phone-held-item", full_page=False)

    item.locator("a", has_text="Bli med på nytt").click()
    phone.wait_for_selector("form[action$='/join']")
    phone.locator(".held-outbox .outbox-item", has_text="Ei velkomstgruppe").wait_for()
    shots(phone, "03-join-page-with-held-item", full_page=True)
    phone.click("main form[action$='/join'] button[type=submit]")
    phone.locator(".own-suggestions li", has_text="Ei velkomstgruppe").wait_for(timeout=15000)
    phone.locator(".outbox-item").wait_for(state="detached", timeout=15000)
    assert live_server.flask("minutes", code, "--format", "md").count("Ei velkomstgruppe") == 1
    phone.context.close()


def test_an_expired_form_is_renewed_once_and_a_removed_question_says_why(chromium, live_server, code, shots):
    phone = joined_phone(chromium, live_server, code)
    question = phone.locator(".phone-question.current")
    # An expired form: the token no longer matches. The outbox fetches a fresh one and sends once more.
    phone.evaluate("""() => document.querySelectorAll('input[name=csrf_token]')
        .forEach((input) => { input.value = 'expired-' + input.value.slice(8); })""")
    question.locator("textarea").fill("Sendt etter ei lang pause")
    question.locator("button[type=submit]").click()
    question.locator(".own-suggestions li", has_text="Sendt etter ei lang pause").wait_for(timeout=15000)
    assert phone.locator(".outbox-item").count() == 0

    # A question the facilitator removed answers 404: said once, not retried, the text kept.
    question.locator("form[data-outbox]").evaluate("(form) => { form.action = form.action.replace(/\\/q\\/\\d+$/, '/q/999999'); }")
    question.locator("textarea").fill("Til eit spørsmål som er borte")
    question.locator("button[type=submit]").click()
    refused = phone.locator(".outbox-item.refused", has_text="Til eit spørsmål som er borte")
    refused.wait_for(timeout=15000)
    assert "fjernet det" in refused.inner_text()
    requests = []
    phone.on("request", lambda request: requests.append(request.url) if "/q/" in request.url else None)
    phone.wait_for_timeout(4000)
    assert requests == [], "a refused send was retried"
    shots(phone, "04-phone-refused-item", full_page=False)
    # Edit puts it back into the box, after anything typed there meanwhile.
    question.locator("textarea").fill("Halvskriven")
    refused.locator("button", has_text="Rediger").click()
    assert question.locator("textarea").input_value() == "Halvskriven\nTil eit spørsmål som er borte"
    assert phone.locator(".outbox-item").count() == 0
    phone.context.close()


OPEN_VOTING = """
import sys
from facilitator import create_app
from facilitator.infra.extensions import db
from facilitator.services.voting import open_voting
from facilitator.services.workshops import get_workshop_by_code
with create_app().app_context():
    workshop = get_workshop_by_code(sys.argv[1])
    open_voting(workshop.owner, workshop.current_question or workshop.questions[0])
    db.session.commit()
"""


CLOSE_WORKSHOP = """
import sys
from facilitator import create_app
from facilitator.infra.extensions import db
from facilitator.services.workshops import change_status, get_workshop_by_code
with create_app().app_context():
    change_status(get_workshop_by_code(sys.argv[1]), "closed")
    db.session.commit()
"""


def as_facilitator(live_server, script: str, code: str) -> None:
    """What the facilitator does from the console, through the same services, in one process."""
    result = subprocess.run([sys.executable, "-c", script, code], cwd=ROOT, capture_output=True, text=True,
                            env={**live_server.env, "SOCKETIO_ASYNC_MODE": "threading"}, timeout=120)
    assert result.returncode == 0, result.stderr


def test_an_item_held_when_the_workshop_closes_stays_and_can_be_copied(chromium, live_server, shots):
    code = live_server.flask("demo").strip().splitlines()[-1]
    phone = joined_phone(chromium, live_server, code)
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"])
    phone.context.set_offline(True)
    question = phone.locator(".phone-question.current")
    question.locator("textarea").fill("Skrive medan nettet var borte")
    question.locator("button[type=submit]").click()
    phone.locator(".outbox-item.retrying").wait_for(timeout=15000)
    as_facilitator(live_server, CLOSE_WORKSHOP, code)
    # Closed from another process (the command line): the server's lookup cache sees it within
    # its TTL (services/lookup_cache.py); a facilitator closing from the console is seen at once.
    time.sleep(TTL_SECONDS + 0.5)
    phone.context.set_offline(False)
    phone.reload()
    item = phone.locator(".held-outbox .outbox-item", has_text="Skrive medan nettet var borte")
    item.wait_for(timeout=15000)
    assert "Ikke sendt" in item.inner_text()
    shots(phone, "06-closed-workshop-with-held-item", full_page=True)
    item.locator("button", has_text="Kopier").click()
    item.locator("button", has_text="Kopiert").wait_for()
    assert phone.evaluate("() => navigator.clipboard.readText()") == "Skrive medan nettet var borte"
    phone.context.close()


def test_the_ballot_keeps_focus_names_the_dots_and_announces_what_is_left(chromium, live_server, shots):
    code = live_server.flask("demo").strip().splitlines()[-1]
    as_facilitator(live_server, OPEN_VOTING, code)
    phone = joined_phone(chromium, live_server, code)
    ballot = phone.locator(".voting").first
    heading = ballot.locator("h1").inner_text()
    # Two landmarks, two names: the ballot says it is the dot vote.
    assert phone.get_by_role("region", name=f"Prikkstemming {heading}", exact=True).count() == 1
    first = ballot.locator("[data-testid=vote-item]").first
    text = first.locator(".vote-text").inner_text()
    more = phone.get_by_role("button", name=re.compile(rf"^Gi en prikk til: {re.escape(text)}.*Dine prikker: 0$"))
    assert more.count() == 1
    assert "Dine prikker: 0" in first.inner_text()
    left = ballot.locator("[data-testid=dots-left]")
    left.evaluate(MARK)

    def press(control, key: str, count: int):
        control.focus()
        before = left.inner_text()
        phone.keyboard.press(key)
        phone.wait_for_function("([el, before]) => el.innerText !== before", arg=[left.element_handle(), before])
        first.locator(f".my-dots:has-text('Dine prikker: {count}')").wait_for()
        control_id = control.get_attribute("id")
        assert phone.evaluate("() => document.activeElement.id") == control_id

    plus = first.locator("button.primary")
    press(plus, "Enter", 1)
    press(plus, " ", 2)
    minus = first.locator("button:not(.primary)")
    press(minus, "Enter", 1)
    assert left.evaluate(KEPT) and left.get_attribute("role") == "status"
    assert phone.get_by_role("button", name=re.compile(rf"^Gi en prikk til: {re.escape(text)}.*Dine prikker: 1$")).count() == 1
    shots(phone, "05-phone-ballot", full_page=False)
    phone.context.close()
