"""Landmarks in Chromium: one main on every page, and no two landmarks a screen reader would list
under the same role and name (on the console's tabs, the results page and the printable minutes).
Also the icon: the one every page links and the /favicon.ico a browser guesses both answer."""
from __future__ import annotations

import re

import pytest

from support.browser import LAPTOP, PHONE
from .test_accessibility import DEMO_EMAIL, log_in, post_and_wait

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The landmarks of a page as a screen reader lists them: role and accessible name (ARIA in HTML:
# <section> and <form> count only with a name; <header> and <footer> only outside sectioning).
LANDMARKS = """() => {
    const named = (el) => {
        const ids = el.getAttribute('aria-labelledby');
        if (ids) return ids.split(/\\s+/).map(id => (document.getElementById(id) || {}).textContent || '')
                           .join(' ').replace(/\\s+/g, ' ').trim();
        return (el.getAttribute('aria-label') || '').trim();
    };
    const sectioning = 'article, aside, main, nav, section';
    const implicit = (el) => {
        const tag = el.tagName.toLowerCase();
        if (tag === 'main') return 'main';
        if (tag === 'nav') return 'navigation';
        if (tag === 'aside') return 'complementary';
        if (tag === 'header') return el.parentElement.closest(sectioning) ? null : 'banner';
        if (tag === 'footer') return el.parentElement.closest(sectioning) ? null : 'contentinfo';
        if (tag === 'section') return named(el) ? 'region' : null;
        if (tag === 'form') return named(el) ? 'form' : null;
        return null;
    };
    const kinds = ['main', 'navigation', 'complementary', 'banner', 'contentinfo', 'region', 'form', 'search'];
    const found = [];
    for (const el of document.querySelectorAll('main, nav, aside, header, footer, section, form, [role]')) {
        if (!el.getClientRects().length) continue;  // not shown, not listed
        const role = el.getAttribute('role') || implicit(el);
        if (kinds.includes(role)) found.push(role + ': ' + named(el));
    }
    return found;
}"""


def landmark_problems(page, label: str) -> list[str]:
    found = page.evaluate(LANDMARKS)
    problems = []
    if sum(1 for entry in found if entry.startswith("main:")) != 1:
        problems.append(f"{label}: {sum(1 for e in found if e.startswith('main:'))} main landmarks")
    for entry in sorted(set(found)):
        if found.count(entry) > 1:
            problems.append(f"{label}: {found.count(entry)}× “{entry}”")
    return problems


def test_landmarks_and_icon(chromium, live_server):
    base = live_server.url
    code = live_server.flask("demo").strip().splitlines()[-1]
    console = chromium.new_context(**LAPTOP).new_page()
    log_in(console, base, DEMO_EMAIL, live_server.demo_password())
    console.goto(base + "/host/")
    console.locator(".workshop-list a").first.click()
    console.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
    url = console.url
    problems = []
    for tab in ("", "/cafe", "/suggestions", "/actions", "/team", "/minutes"):
        console.goto(url + tab)
        problems += landmark_problems(console, f"console{tab or ' overview'}")
    workshop_id = url.rstrip("/").rsplit("/", 1)[-1]
    console.goto(f"{base}/export/{workshop_id}/minutes.html")
    problems += landmark_problems(console, "printable minutes")
    console.goto(url)
    post_and_wait(console, console.locator("form[action$='/status']:has(input[value=closed]) button"))
    phone = chromium.new_context(**PHONE).new_page()
    phone.goto(f"{base}/j/{code}/results")
    problems += landmark_problems(phone, "results")
    assert not problems, "\n".join(problems)

    for address in (base + "/favicon.ico", phone.evaluate("() => document.querySelector('link[rel=icon]').href")):
        response = phone.request.get(address)
        assert response.ok and response.headers["content-type"].startswith("image/svg+xml"), address
    phone.context.close()
    console.context.close()
