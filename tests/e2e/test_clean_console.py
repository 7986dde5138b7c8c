"""No Content-Security-Policy violation and no console error on the phone, the projector and the
console through a short real flow: join, send, vote, the projector's live update, moderation.

The pages run under their real CSP (no bypass): a blocked inline style or script shows up here as a
``securitypolicyviolation`` event, which each page records from its first moment on.
"""
from __future__ import annotations

import pytest

from support.browser import LAPTOP, PHONE, PROJECTOR
from .test_accessibility import demo_workshop, join, post_and_wait, show_on_projector, wait_online

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " "
                           + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""


def watch(page, label: str, problems: list[str]):
    """Record the page's console errors and warnings, and its CSP violations (read at the end)."""
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: problems.append(f"[{label}] console {message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"[{label}] uncaught: {error}"))
    return page


def violations(page, label: str) -> list[str]:
    return [f"[{label}] CSP: {v}" for v in page.evaluate("() => window.__violations || []")]


def test_phone_projector_and_console_log_nothing(chromium, live_server, shots):
    base, problems = live_server.url, []
    laptop = chromium.new_context(**LAPTOP)
    console = watch(laptop.new_page(), "console", problems)
    workshop = demo_workshop(live_server, console, base)
    console.goto(workshop.url + "/cafe")
    console.fill("#round-minutes", "20")
    post_and_wait(console, console.locator("form[action$='/cafe/rounds'] button[type=submit]"))
    console.goto(workshop.url + "/suggestions")
    post_and_wait(console, console.locator("form[action*='/voting/open'] button[type=submit]"))
    show_on_projector(console, workshop.url, "list")

    projector = watch(laptop.new_page(), "projector", problems)
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{base}/projector/{workshop.code}")
    wait_online(projector)

    phone = watch(chromium.new_context(**PHONE).new_page(), "phone", problems)
    join(phone, base, workshop.code, "Sigrid", table=2)
    wait_online(phone)
    question = phone.locator(".phone-question.current")
    question.locator("textarea").fill("Ein kaffikopp til alle som kjem")
    question.locator("button[type=submit]").click()
    phone.locator(".own-suggestions li", has_text="Ein kaffikopp").wait_for()
    ballot = phone.locator(".voting").first
    before = ballot.locator("[data-testid=dots-left]").inner_text()
    ballot.locator("button.primary").first.click()
    phone.wait_for_function("""(before) => document.querySelector('.voting [data-testid=dots-left]')
        .innerText !== before""", arg=before)

    # The projector and the console's board show the suggestion live; the console hides it.
    projector.locator("#stage .suggestion", has_text="Ein kaffikopp").wait_for(timeout=15000)
    console.reload()
    card = console.locator(".card-item", has=console.locator(".card-text", has_text="Ein kaffikopp"))
    card.locator("form[action$='/hide'] button").click()
    console.locator(".mod-item", has_text="Ein kaffikopp").wait_for()
    projector.locator("#stage .suggestion", has_text="Ein kaffikopp").wait_for(state="detached", timeout=15000)
    phone.wait_for_timeout(1500)
    shots(phone, "01-phone-after-flow", full_page=True)

    for page, label in ((phone, "phone"), (projector, "projector"), (console, "console")):
        problems.extend(violations(page, label))
    laptop.close()
    phone.context.close()
    assert not problems, "\n".join(problems)
