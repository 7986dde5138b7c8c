"""The participant's phone: a light first load from the server's own origin only, and every
participant page fitting a 390-px-wide phone in every UI language, long Finnish compounds included.

Screenshots of each page in each language land in tests/artifacts/phone-fit/ (ignored by git).
"""
from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from support.browser import ARTIFACTS, LAPTOP, PHONE, ROOT
from .test_accessibility import (
    FINNISH_WORD, create_workshop, horizontal_overflow, join, log_in, post_and_wait, send, set_up_facilitator,
    wait_online,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = ["nb", "nn", "sv", "da", "fi", "en"]
# What a phone may download on its first visit, compressed, everything included.
BUDGET_BYTES = 60 * 1024
SHOTS = ARTIFACTS / "phone-fit"
FI_QUESTIONS = [f"Miten {FINNISH_WORD} voisi palvella asukkaita paremmin?",
                "Mitä kunnan pitäisi tehdä, jotta uudet asukkaat viihtyisivät?"]


@pytest.fixture(scope="module")
def fit(chromium, live_server):
    """A live café workshop (three tables, a round running, voting open, a long Finnish word in a
    question and a suggestion), a draft one and a closed one."""
    base = live_server.url
    laptop = chromium.new_context(**LAPTOP)
    console = laptop.new_page()
    set_up_facilitator(console, base)
    cafe = create_workshop(console, base, "Asukasilta: lähipalvelut ja tulevaisuuden kuntakeskus",
                           questions=FI_QUESTIONS, language="fi")
    console.goto(cafe.url + "/cafe")
    console.fill("#table-count", "3")
    post_and_wait(console, console.locator("form:has(#table-count) button[type=submit]"))
    console.fill("#round-minutes", "45")
    post_and_wait(console, console.locator("form[action$='/cafe/rounds'] button[type=submit]"))
    writer = chromium.new_context(**PHONE, locale="fi-FI").new_page()
    join(writer, base, cafe.code, "Aino", table=1)
    send(writer, f"{FINNISH_WORD} kertoisi päätöksistä selkokielellä")
    send(writer, "Kahvia ja keskustelua joka kuukausi")
    writer.context.close()
    console.goto(cafe.url + "/suggestions")
    post_and_wait(console, console.locator("form[action*='/voting/open'] button[type=submit]"))
    draft = create_workshop(console, base, "Suunnitteluilta", questions=FI_QUESTIONS, language="fi", status="draft")
    closed = create_workshop(console, base, "Kevätseminaari", questions=FI_QUESTIONS, language="fi",
                             status="closed")
    laptop.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SimpleNamespace(base=base, cafe=cafe, draft=draft, closed=closed)


def too_wide(page) -> list[str]:
    """The page's overflow, and any visible element reaching past the right edge."""
    problems = []
    if overflow := horizontal_overflow(page):
        problems.append(f"page is {overflow}px wider than the screen")
    problems += page.evaluate("""() => {
        const width = document.documentElement.clientWidth, out = [];
        for (const el of document.body.querySelectorAll('*')) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 1 && getComputedStyle(el).visibility !== 'hidden')
                out.push(`${el.tagName.toLowerCase()}.${el.className || ''} ends at ${Math.round(box.right)}px`);
        }
        return out.slice(0, 5);
    }""")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_participant_pages_fit_a_phone(fit, chromium, language):
    """Front page, join page, the phone at a café table (round, voting, questions, the room's
    suggestions), the waiting page, the end of a workshop and the accessibility statement."""
    context = chromium.new_context(**PHONE, locale=language)
    page = context.new_page()
    problems = {}

    def look(name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{language}-{name}.png"), full_page=True)
        if found := too_wide(page):
            problems[name] = found

    page.goto(fit.base + "/")
    look("1-front")
    page.goto(f"{fit.base}/j/{fit.cafe.code}")
    look("2-join")
    join(page, fit.base, fit.cafe.code, "Kari Nordmann-Virtanen", table=2)
    wait_online(page)
    assert page.locator("html").get_attribute("lang") == language
    page.locator(".countdown [data-clock]").first.wait_for()
    page.locator(".voting").first.wait_for()
    for summary in page.locator("#phone-panel details > summary").all():
        summary.click()
    look("3-phone")
    page.goto(f"{fit.base}/j/{fit.draft.code}")
    look("4-waiting")
    page.goto(f"{fit.base}/j/{fit.closed.code}")
    look("5-ended")
    response = page.goto(f"{fit.base}/j/{fit.closed.code}/results")
    if response.status == 200:
        look("6-results")
    page.goto(fit.base + "/accessibility")
    look("7-accessibility")
    context.close()
    assert not problems, problems


def test_the_consoles_tables_read_as_rows_on_a_phone(fit, chromium):
    """A facilitator walking between café tables seats people and reads the log on a phone: each
    row uses the screen's width (three table columns would leave each a word wide)."""
    context = chromium.new_context(**PHONE, locale="fi")
    page = context.new_page()
    log_in(page, fit.base)
    page.goto(fit.cafe.url + "/cafe")
    page.screenshot(path=str(SHOTS / "console-cafe.png"), full_page=True)
    seating = page.evaluate("""() => {
        const table = document.querySelector('table.seating').getBoundingClientRect();
        return [...document.querySelectorAll('table.seating tbody tr')].map(row => {
            const form = row.querySelector('.seat-form');
            const tops = [...form.querySelectorAll('select, button')].map(el => el.getBoundingClientRect().top);
            return {share: form.getBoundingClientRect().width / table.width,
                    oneLine: Math.max(...tops) - Math.min(...tops) < 2};
        });
    }""")
    assert seating and all(row["share"] > 0.9 and row["oneLine"] for row in seating), seating
    page.goto(fit.cafe.url + "/team")
    page.screenshot(path=str(SHOTS / "console-team.png"), full_page=True)
    shares = page.evaluate("""() => {
        const table = document.querySelector('table.log').getBoundingClientRect();
        return [...document.querySelectorAll('table.log td.what')]
            .map(cell => cell.getBoundingClientRect().width / table.width);
    }""")
    assert shares and min(shares) > 0.9, shares
    for path in ("/cafe", "/team"):
        page.goto(fit.cafe.url + path)
        assert not too_wide(page), (path, too_wide(page))
    context.close()


def first_load(chromium, base: str, path: str, storage_state=None) -> SimpleNamespace:
    """Load a page in a new browser context (empty cache) and record everything it fetched."""
    context = chromium.new_context(**PHONE, storage_state=storage_state)
    page = context.new_page()
    requests, sockets = [], []
    page.on("requestfinished", lambda request: requests.append(request))
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(base + path, wait_until="networkidle")
    if page.locator("[data-live-status]").count():
        wait_online(page)
        page.wait_for_load_state("networkidle")
    rows = []
    for request in requests:
        response = request.response()
        sizes = request.sizes()
        rows.append(SimpleNamespace(url=request.url, type=request.resource_type, body=sizes["responseBodySize"],
                                    headers=sizes["responseHeadersSize"],
                                    response_headers=response.all_headers() if response else {}))
    context.close()
    return SimpleNamespace(rows=rows, sockets=sockets, total=sum(row.body for row in rows))


def describe(load) -> str:
    lines = [f"{row.body:>7} B  {row.response_headers.get('content-encoding', '-'):>4}  {row.url}"
             for row in load.rows]
    return "\n".join(lines + [f"{load.total:>7} B  total (compressed bodies)"])


def test_first_load_of_the_participant_page_is_small_and_local(fit, chromium):
    """What the QR code opens (the join page) and the phone page itself, each on an empty cache:
    at most 60 KB transferred, compressed, and nothing from any other host."""
    joined = chromium.new_context(**PHONE)
    page = joined.new_page()
    join(page, fit.base, fit.cafe.code, "Mittari", table=3)
    state = joined.storage_state()
    joined.close()
    origin = urlsplit(fit.base)
    for path, storage in ((f"/j/{fit.cafe.code}", None), (f"/j/{fit.cafe.code}", state)):
        load = first_load(chromium, fit.base, path, storage)
        print(describe(load))
        foreign = [row.url for row in load.rows if urlsplit(row.url).netloc != origin.netloc]
        foreign += [url for url in load.sockets if urlsplit(url).netloc != origin.netloc]
        assert not foreign, f"requests to other hosts: {foreign}"
        assert load.total <= BUDGET_BYTES, f"{load.total} bytes over the {BUDGET_BYTES}-byte budget:\n{describe(load)}"
        for row in load.rows:
            kind = row.type in ("document", "stylesheet", "script")
            if kind and row.body >= 1024:
                assert row.response_headers.get("content-encoding") in ("gzip", "br"), \
                    f"{row.url} is sent uncompressed"
            if "/static/" in row.url:
                assert "?v=" in row.url, f"{row.url} has no content hash in its URL"
                assert "immutable" in row.response_headers.get("cache-control", ""), \
                    f"{row.url} is not cached for good"
    assert any("/socket.io/" in url for url in load.sockets), "the phone page opened no live socket"


def test_static_files_are_hashed_compressed_and_cached_for_good(app):
    """What the browser test measures, down to the bytes, with Flask's test client."""
    import gzip

    from flask import url_for
    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
    assert "?v=" in url
    original = (ROOT / "static" / "css" / "app.css").read_bytes()
    client = app.test_client()
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == original
    assert packed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in packed.headers["Vary"]
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers and plain.data == original
    stale = client.get("/static/css/app.css?v=0123456789ab", headers={"Accept-Encoding": "gzip"})
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    part = client.get(url, headers={"Range": "bytes=0-99", "Accept-Encoding": "gzip"})
    assert part.status_code == 206 and "Content-Encoding" not in part.headers and part.data == original[:100]
    page = client.get("/accessibility", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and b"axe-core" in gzip.decompress(page.data)
    for response in (packed, plain, stale, part, page):
        response.close()
