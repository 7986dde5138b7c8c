"""Accessibility in Chromium (WCAG 2.1 AA, as EN 301 549 asks of a municipality's service).

axe-core's rules for WCAG 2.0 and 2.1, levels A and AA, run on every page of a whole workshop,
in each state a page can be in (a question open, a café round counting down, voting open, a
form with its errors), at the sizes the page is used at, in the light and the dark colour scheme.
Any violation fails the test, and each is printed with its rule, its help text and its elements.
Two checks axe cannot make are here too: nothing moves when reduced motion is asked for, and
text at 200% needs no sideways scrolling on a phone.

axe is injected by the test (Playwright's add_script_tag, with the page's CSP bypassed in these
browser contexts only); no page ever links it.
"""
from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from support.browser import LAPTOP, PHONE, PROJECTOR, ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE_JS = ROOT / "static" / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCHEMES = ("light", "dark")

NAME, EMAIL, PASSWORD = "Aino Saarinen", "aino@example.org", "ett långt lösenord"
DEMO_EMAIL = "demo@facilitator.invalid"
# A Finnish compound of the kind municipal Finnish is full of: it must wrap, never push the page wide.
FINNISH_WORD = "kunnanvaltuustonpuheenjohtajanvaalikokouspöytäkirjantarkastajaehdokas"
QUESTIONS = [f"Mitä {FINNISH_WORD} voisi tehdä paremmin?",
             "What would make newcomers want to stay in the municipality?"]


# ---------------------------------------------------------------- driving the app (shared) --

def set_up_facilitator(page, base: str) -> None:
    """Create the first account on a fresh server through the set-up page."""
    page.goto(base + "/auth/setup")
    page.fill("#name", NAME)
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/host/workshops/new")


def log_in(page, base: str, email: str = EMAIL, password: str = PASSWORD) -> None:
    page.goto(base + "/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/host/**")


def create_workshop(page, base: str, title: str, questions=QUESTIONS, language: str = "en",
                    status: str = "live") -> SimpleNamespace:
    """A workshop made through the form; returns its console URL and join code."""
    page.goto(base + "/host/workshops/new")
    page.fill("#title", title)
    page.fill("#place", "Kuntatalo")
    page.select_option("#language", language)
    page.fill("#questions", "\n".join(questions))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
    url = page.url
    if status in ("live", "closed"):
        post_and_wait(page, page.locator("form[action$='/status']:has(input[value=live]) button"))
    if status == "closed":
        post_and_wait(page, page.locator("form[action$='/status']:has(input[value=closed]) button"))
    code = page.inner_text("[data-testid=join-code]").replace(" ", "")
    return SimpleNamespace(url=url, code=code, title=title)


def post_and_wait(page, button) -> None:
    with page.expect_navigation():
        button.click()


def join(page, base: str, code: str, name: str = "", table: int | None = None) -> None:
    """Join from the join link as a phone does, optionally at a table."""
    page.goto(f"{base}/j/{code}")
    if name:
        page.fill("#display_name", name)
    if table is not None:
        page.select_option("#table", str(table))
    page.click("main button[type=submit]")
    page.wait_for_selector("#phone-panel")


def send(phone, text: str) -> None:
    form = phone.locator(".phone-question").first
    form.locator("textarea").fill(text)
    form.locator("button[type=submit]").click()
    phone.locator(".own-suggestions li", has_text=text[:30]).first.wait_for()


def wait_online(page) -> None:
    page.wait_for_selector("[data-live-status][data-state=online]", timeout=10000)


def demo_workshop(live_server, console, base: str) -> SimpleNamespace:
    """The demo seminar (six tables, 36 suggestions, themes, a ranking), steered by the demo login."""
    code = live_server.flask("demo").strip().splitlines()[-1]
    log_in(console, base, DEMO_EMAIL, live_server.demo_password())
    console.goto(base + "/host/")
    console.locator(".workshop-list a").first.click()
    console.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
    return SimpleNamespace(url=console.url, code=code)


def seed_suggestions(live_server, code: str, texts: list[str]) -> None:
    """Many suggestions at once, written straight through the services (faster than 300 phones)."""
    script = (
        "import sys\n"
        "from facilitator import create_app\n"
        "from facilitator.infra.extensions import db\n"
        "from facilitator.services.participants import join_workshop\n"
        "from facilitator.services.suggestions import submit_suggestion\n"
        "from facilitator.services.workshops import get_workshop_by_code\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    workshop = get_workshop_by_code(sys.argv[1])\n"
        "    question = workshop.current_question or workshop.questions[0]\n"
        "    people = [join_workshop(workshop) for _ in range(40)]\n"
        "    for index, text in enumerate(sys.stdin.read().split('\\n')):\n"
        "        submit_suggestion(people[index % len(people)], question, text)\n"
        "    db.session.commit()\n")
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", script, code], input="\n".join(texts), text=True,
                            cwd=ROOT, env={**live_server.env, "SOCKETIO_ASYNC_MODE": "threading"},
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr


def has_focus_outline(page) -> bool:
    """Is the focused element drawn with a visible outline (or a focus ring of box-shadow)?"""
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return false;
        const style = getComputedStyle(el);
        const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
        return outline || (style.boxShadow && style.boxShadow !== 'none');
    }""")


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when it fits)."""
    return page.evaluate("() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")


# ------------------------------------------------------------------------------ running axe --

def settle(page) -> None:
    """Let arrival animations finish, so colours are measured as they end up."""
    page.evaluate("""() => Promise.race([
        Promise.all(document.getAnimations().map(a => a.finished.catch(() => null))),
        new Promise(resolve => setTimeout(resolve, 2000))])""")


def axe(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    settle(page)
    return page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""", WCAG_TAGS)


class Report:
    """Every violation on every page checked; the test fails once, listing them all."""

    def __init__(self):
        self.lines: list[str] = []
        self.checked = 0

    def check(self, page, label: str, schemes=SCHEMES) -> None:
        for scheme in schemes:
            page.emulate_media(color_scheme=scheme)
            self.checked += 1
            for violation in axe(page):
                self.lines.append(f"[{label}, {scheme}] {violation['id']} ({violation['impact']}): "
                                  f"{violation['help']}")
                for node in violation["nodes"][:8]:
                    summary = " ".join((node["summary"] or "").split())[:300]
                    self.lines.append(f"    {node['target']}  —  {summary}")
        page.emulate_media(color_scheme="light")

    def assert_clean(self) -> None:
        assert self.checked, "no page was checked"
        report = "\n".join(self.lines)
        print(f"axe-core checked {self.checked} page states")
        if report:
            print(report)
        assert not self.lines, f"WCAG violations found by axe-core:\n{report}"


# ------------------------------------------------------------------------------- the world --

@pytest.fixture(scope="module")
def world(chromium, live_server):
    """A server's worth of workshops in every state a page can be in, made through the UI:
    the set-up page is checked on the way, before the first account exists."""
    base = live_server.url
    laptop = chromium.new_context(**LAPTOP, bypass_csp=True)
    phones = chromium.new_context(**PHONE, bypass_csp=True)
    setup_report = Report()
    page = phones.new_page()
    page.goto(base + "/")
    page.wait_for_url("**/auth/setup")
    setup_report.check(page, "set-up, phone")
    page.close()

    console = laptop.new_page()
    console.goto(base + "/auth/setup")
    setup_report.check(console, "set-up, laptop")
    set_up_facilitator(console, base)
    simple = create_workshop(console, base, "Asukasilta: palvelut ja tulevaisuus")
    draft = create_workshop(console, base, "Draft: planning evening", status="draft")
    closed = create_workshop(console, base, "Closed: spring seminar", status="closed")
    # An invitation link for anyone (no address given), to check the page it opens.
    console.goto(simple.url + "/team")
    post_and_wait(console, console.locator("form[action$='/team/invite'] button[type=submit]"))
    invite_url = console.locator("input.invite-link").first.input_value()

    # The café: the demo seminar with a long round running and voting open on its first question.
    demo_context = chromium.new_context(**LAPTOP, bypass_csp=True)
    demo_console = demo_context.new_page()
    cafe = demo_workshop(live_server, demo_console, base)
    demo_console.goto(cafe.url + "/cafe")
    demo_console.fill("#round-minutes", "45")
    post_and_wait(demo_console, demo_console.locator("form[action$='/cafe/rounds'] button[type=submit]"))
    demo_console.goto(cafe.url + "/suggestions")
    post_and_wait(demo_console, demo_console.locator("form[action*='/voting/open'] button[type=submit]"))

    phone = phones.new_page()
    join(phone, base, simple.code, "Kaisa")
    send(phone, f"Ehdotus: {FINNISH_WORD} kertoo päätöksistä selkokielellä")
    cafe_phone = chromium.new_context(**PHONE, bypass_csp=True).new_page()
    join(cafe_phone, base, cafe.code, "Kari", table=2)
    yield SimpleNamespace(base=base, laptop=laptop, console=console, phones=phones, phone=phone,
                          cafe_phone=cafe_phone, demo_context=demo_context, demo_console=demo_console,
                          simple=simple, draft=draft, closed=closed, cafe=cafe, setup_report=setup_report,
                          invite_url=invite_url,
                          live_server=live_server)
    for context in (laptop, phones, demo_context, cafe_phone.context):
        context.close()


def test_setup_page(world):
    world.setup_report.assert_clean()


def test_public_pages(world, chromium):
    """Front page, log-in (also with its error), the join and waiting pages, the end of a
    workshop and its results, an invitation, a 404 and the accessibility statement: on a phone
    and on a laptop."""
    base, report = world.base, Report()
    for size, options in (("phone", PHONE), ("laptop", LAPTOP)):
        context = chromium.new_context(**options, bypass_csp=True)
        page = context.new_page()
        for label, path in (("front page", "/"), ("log-in", "/auth/login"),
                            ("join page", f"/j/{world.simple.code}"),
                            ("waiting page (draft)", f"/j/{world.draft.code}"),
                            ("after the workshop", f"/j/{world.closed.code}"),
                            ("404", "/no/such/page"), ("accessibility statement", "/accessibility")):
            response = page.goto(base + path)
            if label == "accessibility statement":
                assert response.status == 200, "the accessibility statement is not served at /accessibility"
            report.check(page, f"{label}, {size}")
        page.goto(base + "/")
        page.fill("#code", "ZZZZZZ")
        page.click("main button[type=submit]")
        page.wait_for_selector(".error")
        report.check(page, f"front page with a wrong code, {size}")
        page.goto(f"{base}/j/{world.closed.code}/results")
        report.check(page, f"results, {size}")
        page.goto(world.invite_url)
        report.check(page, f"invitation to co-facilitate, {size}")
        page.goto(base + "/auth/login")
        page.fill("#email", EMAIL)
        page.fill("#password", "not the password")
        page.click("main button[type=submit]")
        page.wait_for_selector(".error")
        report.check(page, f"log-in with an error, {size}")
        context.close()
    report.assert_clean()


def test_participant_pages(world):
    """The phone with an open question (its own and the room's suggestions shown), and at a café
    table with a round counting down and voting open."""
    report = Report()
    phone = world.phone
    phone.goto(f"{world.base}/j/{world.simple.code}")
    wait_online(phone)
    phone.locator(".room-suggestions summary").first.click()
    report.check(phone, "phone, open question")
    cafe = world.cafe_phone
    cafe.goto(f"{world.base}/j/{world.cafe.code}")
    wait_online(cafe)
    cafe.locator(".countdown [data-clock]").first.wait_for()
    cafe.locator(".voting").first.wait_for()
    report.check(cafe, "phone, café round and voting")
    cafe.locator(".change-table summary").click()
    report.check(cafe, "phone, changing table")
    report.assert_clean()


def test_facilitator_pages(world):
    """Dashboard, the new-workshop form (also with its errors), and every console tab, at a
    laptop's size; the busiest ones at a phone's width too."""
    report, console, demo = Report(), world.console, world.demo_console
    console.goto(world.base + "/host/")
    report.check(console, "dashboard")
    console.goto(world.base + "/host/workshops/new")
    report.check(console, "new workshop")
    console.fill("#title", "")
    console.click("main button[type=submit]")
    console.wait_for_selector(".has-error")
    report.check(console, "new workshop with errors")
    console.goto(world.simple.url)
    report.check(console, "console, live workshop")
    console.goto(world.draft.url)
    report.check(console, "console, draft workshop")
    for tab in ("", "/cafe", "/suggestions", "/actions", "/team", "/minutes", "/cards"):
        demo.goto(world.cafe.url + tab)
        report.check(demo, f"console{tab or ' overview'}, café")
    demo.goto(world.cafe.url + "/edit")
    report.check(demo, "edit workshop")
    demo.goto(world.base + "/export/import")
    report.check(demo, "import a workshop")
    workshop_id = world.cafe.url.rstrip("/").rsplit("/", 1)[-1]
    demo.goto(f"{world.base}/export/{workshop_id}/minutes.html")
    report.check(demo, "printable minutes")
    demo.set_viewport_size(PHONE["viewport"])
    for tab in ("", "/suggestions", "/cafe", "/team", "/cards"):
        demo.goto(world.cafe.url + tab)
        report.check(demo, f"console{tab or ' overview'}, phone width")
    demo.set_viewport_size(LAPTOP["viewport"])
    report.assert_clean()


def test_duplicate_flags_and_theme_proposals(world):
    """The moderation board with a possible duplicate flagged and with theme proposals open, at a
    laptop's size and a phone's width."""
    report, demo = Report(), world.demo_console
    demo.goto(world.cafe.url + "/suggestions")
    text = demo.locator("#board .board-items .card-text > span:last-child").first.inner_text()
    demo.fill("#add-suggestion", text + "!")
    post_and_wait(demo, demo.locator("form.add-suggestion button[type=submit]"))
    demo.locator(".duplicate-flag").first.wait_for()
    demo.click("#propose-themes")
    demo.locator(".proposal").first.wait_for()
    report.check(demo, "board with a duplicate flag and theme proposals")
    demo.set_viewport_size(PHONE["viewport"])
    report.check(demo, "board with a duplicate flag and theme proposals, phone width")
    demo.set_viewport_size(LAPTOP["viewport"])
    report.assert_clean()


def test_account_and_administrator_pages(world, shots):
    """One's own account (also with an error), the forgotten-password page, and the
    administrator's accounts (with an invitation), one account and the health page: at a
    laptop's width and a phone's. The set-up made the console's account the administrator."""
    report, console = Report(), world.console
    console.goto(world.base + "/admin/")
    console.fill("#email", "ny.kollega@example.org")
    post_and_wait(console, console.locator("form[action$='/admin/invite'] button[type=submit]"))
    for width, size in ((1366, "laptop"), (390, "phone")):
        console.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        for label, path in (("accounts", "/admin/"), ("health", "/admin/health"), ("own account", "/account/")):
            console.goto(world.base + path)
            # Before axe switches the colour scheme (the buttons' colours would still be fading back).
            shots(console, f"{label.replace(' ', '-')}-{width}", full_page=True)
            report.check(console, f"{label}, {size}")
        console.goto(world.base + "/admin/")
        console.locator(".account-list a").first.click()
        console.wait_for_url("**/admin/accounts/*")
        report.check(console, f"one account, {size}")
    console.goto(world.base + "/account/")
    console.fill("#current", "not the password")
    console.fill("#password", "ett nytt långt lösenord")
    console.fill("#confirm", "ett nytt långt lösenord")
    console.click("form[action$='/account/password'] button[type=submit]")
    console.wait_for_selector(".has-error")
    report.check(console, "own account with an error, phone")
    console.set_viewport_size(LAPTOP["viewport"])
    anonymous = world.phones.browser.new_context(**PHONE, bypass_csp=True).new_page()
    anonymous.goto(world.base + "/account/forgot")
    report.check(anonymous, "forgotten password, phone")
    anonymous.context.close()
    report.assert_clean()


def show_on_projector(console, workshop_url: str, view: str, group: str = "none") -> None:
    console.goto(workshop_url + "/suggestions")
    console.check(f"input[name=view][value={view}]")
    console.check(f"input[name=group][value={group}]")
    post_and_wait(console, console.locator("form[action*='/projector'] button[type=submit]"))


def test_projector_views(world):
    """The projector's list (plain and grouped), word cloud, tally and ranking at 1920×1080."""
    report, demo = Report(), world.demo_console
    projector = world.demo_context.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    for view, group in (("list", "none"), ("list", "table"), ("cloud", "none"), ("tally", "none"),
                        ("ranking", "none")):
        show_on_projector(demo, world.cafe.url, view, group)
        projector.goto(f"{world.base}/projector/{world.cafe.code}")
        wait_online(projector)
        report.check(projector, f"projector, {view}" + (f" by {group}" if group != "none" else ""))
    projector.close()
    show_on_projector(demo, world.cafe.url, "list")
    report.assert_clean()


def test_motion_stops_when_reduced_motion_is_asked(world, chromium):
    """A suggestion arriving on the projector slides in, unless the device asks for less motion."""
    running = {}
    for motion in ("no-preference", "reduce"):
        context = chromium.new_context(**PROJECTOR, reduced_motion=motion)
        page = context.new_page()
        log_in(page, world.base)
        page.goto(f"{world.base}/projector/{world.simple.code}")
        wait_online(page)
        page.evaluate("""() => { window.__animations = 0;
            document.addEventListener('animationstart', () => window.__animations++, true);
            document.addEventListener('transitionrun', () => window.__animations++, true); }""")
        text = f"Liikettä vai ei: {motion}"
        send(world.phone, text)
        page.locator("#stage .suggestion", has_text=text).wait_for(timeout=5000)
        page.wait_for_timeout(100)
        running[motion] = page.evaluate("() => window.__animations + document.getAnimations().length")
        context.close()
    assert running["no-preference"] > 0, "no arrival animation at all: the test would prove nothing"
    assert running["reduce"] == 0, "something moves although reduced motion was asked for"


@pytest.mark.parametrize("width", [390, 320])
def test_text_at_200_percent_needs_no_sideways_scrolling(world, width):
    """WCAG 1.4.4 and 1.4.10 on the participant's pages: text at twice its size, 390 and 320 px wide."""
    page = world.phones.new_page()
    page.set_viewport_size({"width": width, "height": 844})
    problems = []
    for label, path in (("front page", "/"), ("phone, open question", f"/j/{world.simple.code}"),
                        ("join page", f"/j/{world.cafe.code}")):
        page.goto(world.base + path)
        page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
        if overflow := horizontal_overflow(page):
            problems.append(f"{label}: {overflow}px too wide")
    page.close()
    cafe = world.cafe_phone
    cafe.set_viewport_size({"width": width, "height": 844})
    cafe.goto(f"{world.base}/j/{world.cafe.code}")
    cafe.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    if overflow := horizontal_overflow(cafe):
        problems.append(f"phone, café round and voting: {overflow}px too wide")
    cafe.set_viewport_size(PHONE["viewport"])
    assert not problems, problems


def test_axe_is_never_served_to_users(world):
    """axe is for the tests: no page links it."""
    page = world.phones.new_page()
    seen = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(f"{world.base}/j/{world.simple.code}")
    wait_online(page)
    page.close()
    assert not [url for url in seen if "axe" in url]
    assert Path(AXE_JS).is_file()
