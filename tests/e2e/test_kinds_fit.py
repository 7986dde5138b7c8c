"""The new kinds' results at their largest, in Chromium: legible from the back row and never off
the wall.

Each kind at the size a facilitator may realistically give it (12 options and "other", a Likert
grid of 8 statements on 0–10, 10 options to rank, a pinned question to the panel and 20 more)
with 137 answers, so counts have three digits. The projector (1920×1080) must show it all on one
screen: every row inside the viewport, no label running into its bar or its figures, and the
figures at least 28 px high. Why 28: at 15 m a line of text needs about 7 arc-minutes to be read
comfortably (legibility guides for signage and slides), about 3 cm of cap height; on a wall
about 3.2 m wide showing 1920 px that is roughly 19 px of cap height, i.e. a 27–28 px font. A
Likert grid of 8 statements on 0–10 has 88 columns: there the column counts may go to 22 px
(read as a shape first, the mean beside each statement stays at 28 px).
The phone (390×844) and a laptop (1366×900) show the same results filling their width.

Screenshots land in /tmp/shots/ and tests/artifacts/test_kinds_fit/: look at them.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from facilitator import create_app
from facilitator.infra.extensions import db
from facilitator.services.accounts import create_facilitator
from facilitator.services.answers import submit_answer
from facilitator.services.participants import join_workshop
from facilitator.services.qanda import pin_for_panel, set_answered, set_upvote
from facilitator.services.question_kinds import KindSettings, set_question_kind
from facilitator.services.questions import show_question
from facilitator.services.suggestions import submit_suggestion
from facilitator.services.workshops import WorkshopDetails, change_status, create_workshop

from support.browser import LAPTOP, PHONE, PROJECTOR
from .test_accessibility import Report, join

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EMAIL, PASSWORD = "veggen@example.org", "et passord som er langt nok"
PEOPLE = 137
# The smallest font of a figure on the wall (see the docstring) and of a Likert grid's columns.
WALL_FIGURES_PX = 28
WALL_GRID_COLUMN_PX = 22
SHOTS = Path("/tmp/shots")

CHOICE = ("Hvilket tiltak vil du at servicetorga skal starte med neste år, og hvorfor akkurat det?", [
    "Lengre åpningstid på kveldstid og lørdager",
    "Digital hjelp", "Felles skranke for Nav, kommune og skatt",
    "Tolk og hjelp på flere språk, også samisk, ukrainsk, arabisk, tigrinja og somali, slik at alle "
    "som flytter hit kan få svar på det de lurer på fra første dag",
    "Drop-in", "Hjemmebesøk for eldre", "Mobil skranke i bygdene", "Velkomstpakke for tilflyttere",
    "Chat", "Bedre skilting", "Kurs i BankID og Altinn", "Kafé og møteplass"])
# The most the forms accept: a question of 500 characters and twelve options of 200 each (and
# "other"). The wall must still hold it all, cutting what cannot fit, never off the screen.
LONGEST_OPTION = ("Tolk og hjelp på flere språk, også samisk, ukrainsk, arabisk, tigrinja og somali, slik at alle "
                  "som flytter hit kan få svar på det de lurer på fra første dag, på servicetorget og på telefon")
CHOICE_LONGEST = (("Hvilket tiltak vil du at servicetorga skal starte med neste år? " * 8)[:500].strip(),
                  [f"{n}. {LONGEST_OPTION}"[:200] for n in range(1, 13)])
SCALE = ("Hvor enig er du i disse påstandene om kvelden?", [
    "Jeg fikk sagt det jeg ville", "Tiden ble brukt godt",
    "Jeg vet hva som skjer videre med forslagene våre, og hvem som har ansvar for å følge dem opp",
    "Bordverten ledet samtalen godt", "Spørsmålene var tydelige", "Jeg lærte noe nytt",
    "Jeg vil delta neste gang", "Lokalet fungerte"])
RANKING = ("Ranger tiltakene etter hva som bør komme først", [
    "Felles skranke", "Lengre åpningstid på kveldstid og i helgene, minst to dager i uka",
    "Digital hjelp", "Hjemmebesøk", "Mobil skranke", "Velkomstpakke", "Innflytterfadder",
    "Kurs i BankID", "Bedre skilting", "Tolk"])
QANDA = "Spørsmål til panelet"
PANEL = [
    "Når kommer bussen til bygda, og hvem i kommunen har egentlig ansvaret for at rutene henger "
    "sammen med åpningstidene på servicetorget?",
    "Hvem betaler for skranken?", "Hva skjer med forslagene fra i kveld?",
    "Kan servicetorget ha åpent på lørdager?", "Hvorfor må man ha BankID for alt?",
    "Får de små bygdene like mye som sentrum?", "Hvordan får eldre uten smarttelefon hjelp?",
    "Kan vi få tolk på telefon?", "Når blir det neste møte?", "Hvem kan jeg kontakte om dette?",
    "Er det penger i budsjettet til dette?", "Hva har andre kommuner gjort?",
    "Kan frivillige hjelpe til?", "Hvordan måler dere om det virker?",
    "Blir det flere ansatte?", "Kan biblioteket være servicetorg?", "Hva med hytteeierne?",
    "Hvordan når dere ungdommen?", "Kan man bestille time?", "Kommer dere til skolen vår?",
    "Hvorfor ble det lagt ned i fjor?"]


def seed_kind(database_url: str, kind: str) -> SimpleNamespace:
    """A live workshop in Norwegian whose one question, on the projector, is ``kind`` at its
    largest, answered by ``PEOPLE`` participants; its results published."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SOCKETIO_ASYNC_MODE": "threading",
                      "PREPARE_PDFS": False})
    with app.app_context():
        from facilitator.models import Facilitator
        owner = (db.session.scalar(db.select(Facilitator).where(Facilitator.email == EMAIL))
                 or create_facilitator(EMAIL, "Turid Hilde Gåsbakk", PASSWORD, locale="en"))
        text, settings = {
            "choice": (CHOICE[0], KindSettings(kind="choice", options=CHOICE[1], allow_other=True)),
            "choice-longest": (CHOICE_LONGEST[0], KindSettings(kind="choice", options=CHOICE_LONGEST[1],
                                                               allow_other=True)),
            "scale": (SCALE[0], KindSettings(kind="scale", options=SCALE[1], scale_min=0, scale_max=10,
                                             low_label="Helt uenig", high_label="Helt enig")),
            "ranking": (RANKING[0], KindSettings(kind="ranking", options=RANKING[1])),
            "qanda": (QANDA, KindSettings(kind="qanda")),
        }[kind]
        workshop = create_workshop(owner, WorkshopDetails(title=f"Veggen: {kind}", language="nb"), [text])
        question = workshop.questions[0]
        set_question_kind(question, settings)
        change_status(workshop, "live")
        show_question(workshop, question)
        workshop.results_published = True
        people = [join_workshop(workshop) for _ in range(PEOPLE)]
        answer(owner, kind, question, people)
        db.session.commit()
        made = SimpleNamespace(code=workshop.join_code, id=workshop.id, question=text)
    with app.app_context():
        db.engine.dispose()
    return made


def answer(owner, kind: str, question, people) -> None:
    """Answers spread unevenly, so bars differ and some are empty."""
    options = [option.id for option in question.options]
    for n, person in enumerate(people):
        if kind.startswith("choice"):
            if n % 11 == 10:
                submit_answer(person, question, {}, f"Buss nummer {n} til servicetorget hver dag")
            else:
                submit_answer(person, question, {options[(n * n) % 7 if n % 3 else n % 12]: 1})
        elif kind == "scale":
            # Each statement leans its own way: a peak that moves along the scale, a spread around it.
            submit_answer(person, question, {option: min(10, max(0, (i * 3 + 2) % 11 + (n * 3 + n // 5 + i) % 7 - 3))
                                             for i, option in enumerate(options)})
        elif kind == "ranking":
            shift = n % 4
            order = options[shift:] + options[:shift]
            submit_answer(person, question, {option: place for place, option in enumerate(order, 1)})
    if kind == "qanda":
        items = [submit_suggestion(people[i], question, text)[0] for i, text in enumerate(PANEL)]
        for i, item in enumerate(items):
            for person in people[: (i * 37) % 60]:
                set_upvote(person, item, True)
        pin_for_panel(owner, items[0])
        set_answered(owner, items[5], True)


@pytest.fixture(scope="module")
def walls(live_server):
    SHOTS.mkdir(exist_ok=True)
    return {kind: seed_kind(live_server.env["DATABASE_URL"], kind)
            for kind in ("choice", "choice-longest", "scale", "ranking", "qanda")}


@pytest.fixture(scope="module")
def laptop(chromium, live_server, walls):
    """The facilitator's laptop, logged in: the projector's page is theirs."""
    context = chromium.new_context(**LAPTOP, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + "/auth/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/auth/" not in page.url, "the log-in failed"
    page.close()
    yield context
    context.close()


def save(page, shots, name: str, full_page: bool = False) -> None:
    path = shots(page, name, full_page=full_page)
    shutil.copy(path, SHOTS / path.name)


# Every row of a chart: its label, its bar and its figures, as the page lays them out.
ROWS_JS = """() => {
  const box = el => { if (!el) return null; const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height}; };
  const rows = [];
  document.querySelectorAll('#stage .chart > li, .phone-results .chart > li, .kind-results .chart > li').forEach(li => {
    const label = li.querySelector('.bar-label'), figures = li.querySelector('.bar-figures');
    rows.push({text: label.textContent.trim().slice(0, 40), label: box(label), bar: box(li.querySelector('svg.bar')),
               figures: box(figures), figuresPx: parseFloat(getComputedStyle(figures).fontSize),
               labelPx: parseFloat(getComputedStyle(label).fontSize)});
  });
  return rows;
}"""

# Everything on the stage that shows text or a bar: it must be inside the viewport.
VISIBLE_JS = """() => {
  const out = [];
  document.querySelectorAll('#stage *').forEach(el => {
    if (el.closest('.visually-hidden') || !el.getClientRects().length) return;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own && !['rect', 'svg', 'text'].includes(el.localName)) return;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    if (r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5 || r.top < -0.5 || r.left < -0.5)
      out.push(`${el.localName}.${el.getAttribute('class') || ''} "${el.textContent.trim().slice(0, 30)}" ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}`);
  });
  return out;
}"""


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] - 0.5 and b["left"] < a["right"] - 0.5 and \
        a["top"] < b["bottom"] - 0.5 and b["top"] < a["bottom"] - 0.5


def assert_rows_clean(rows: list[dict], width: int, height: int | None, min_px: float) -> None:
    assert rows
    for row in rows:
        assert not overlaps(row["label"], row["bar"]), f"label over its bar: {row}"
        assert not overlaps(row["label"], row["figures"]), f"label over its figures: {row}"
        assert not overlaps(row["figures"], row["bar"]), f"figures over the bar: {row}"
        for part in ("label", "bar", "figures"):
            assert row[part]["left"] >= -0.5 and row[part]["right"] <= width + 0.5, f"{part} leaves the screen: {row}"
            if height is not None:
                assert row[part]["bottom"] <= height + 0.5, f"{part} below the wall: {row}"
        assert row["figuresPx"] >= min_px and row["labelPx"] >= min_px, f"too small: {row}"


@pytest.mark.parametrize("kind", ["choice", "choice-longest", "scale", "ranking", "qanda"])
def test_each_kind_fits_the_wall_and_reads_from_the_back_row(laptop, live_server, walls, kind, shots):
    projector = laptop.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{live_server.url}/projector/{walls[kind].code}")
    projector.wait_for_selector("[data-live-status][data-state=online]")
    save(projector, shots, f"projector-{kind}-max")
    assert projector.evaluate("() => document.scrollingElement.scrollHeight") <= 1080
    assert projector.evaluate(VISIBLE_JS) == []
    if kind in ("choice", "choice-longest", "ranking"):
        assert_rows_clean(projector.evaluate(ROWS_JS), 1920, 1080, WALL_FIGURES_PX)
    if kind == "scale":
        sizes = projector.evaluate("""() => ({
            counts: Math.min(...Array.from(document.querySelectorAll('#stage .column-count'), t => t.getBoundingClientRect().height)),
            means: Math.min(...Array.from(document.querySelectorAll('#stage .scale-figures'), p => parseFloat(getComputedStyle(p).fontSize))),
            statements: document.querySelectorAll('#stage .chart.scale').length})""")
        assert sizes["statements"] == len(SCALE[1])
        assert sizes["means"] >= WALL_FIGURES_PX, sizes
        assert sizes["counts"] >= WALL_GRID_COLUMN_PX, sizes
    if kind == "qanda":
        pinned = projector.locator("[data-testid=stage-pinned]")
        assert "Når kommer bussen" in pinned.inner_text()
        sizes = projector.evaluate("""() => Array.from(document.querySelectorAll('#stage .stage-panel li'))
            .filter(li => li.getClientRects().length).map(li => parseFloat(getComputedStyle(li).fontSize))""")
        assert len(sizes) >= 5 and min(sizes) >= WALL_FIGURES_PX, sizes
    report = Report()
    report.check(projector, f"projector, {kind} at its largest", schemes=("dark",))
    report.assert_clean()
    projector.close()


def seed_photo_table(database_url: str) -> str:
    """A live café workshop with two tables whose every seated participant may send a photo."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SOCKETIO_ASYNC_MODE": "threading",
                      "PREPARE_PDFS": False})
    with app.app_context():
        from facilitator.models import Facilitator
        from facilitator.services.tables import set_table_count
        owner = db.session.scalar(db.select(Facilitator).where(Facilitator.email == EMAIL))
        workshop = create_workshop(owner, WorkshopDetails(title="Bilder fra bordene", language="nb"),
                                   ["Hva gjør servicetorget best?"])
        change_status(workshop, "live")
        set_table_count(owner, workshop, 2)
        workshop.photos_from_everyone = True
        db.session.commit()
        code = workshop.join_code
    with app.app_context():
        db.engine.dispose()
    return code


@pytest.mark.parametrize("kind", ["choice", "scale", "ranking", "qanda"])
def test_the_results_page_fills_the_phone_and_the_laptop(chromium, live_server, walls, kind, shots):
    report = Report()
    for name, device in (("phone", PHONE), ("laptop", LAPTOP)):
        context = chromium.new_context(**device, locale="nb-NO", bypass_csp=True)
        page = context.new_page()
        page.goto(f"{live_server.url}/j/{walls[kind].code}/results")
        width = device["viewport"]["width"]
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= width
        save(page, shots, f"results-{kind}-{name}", full_page=True)
        if kind != "qanda":
            rows = page.evaluate(ROWS_JS)
            # The page's own type (16 px and more), never a drawing shrunk to fit.
            assert_rows_clean(rows, width, None, 15.5)
            bars = [row["bar"]["width"] for row in rows]
            card = page.locator(".kind-results").first.bounding_box()["width"]
            # The bars take the room the card has: on a phone the whole width under the label.
            assert max(bars) >= card * (0.8 if name == "phone" else 0.4), (bars, card)
        report.check(page, f"results page, {kind}, {name}", schemes=("light",))
        context.close()
    report.assert_clean()


@pytest.mark.parametrize("kind", ["choice", "scale"])
def test_the_phones_results_after_answering_fill_the_phone(chromium, live_server, walls, kind, shots):
    context = chromium.new_context(**PHONE, locale="nb-NO", bypass_csp=True)
    phone = context.new_page()
    join(phone, live_server.url, walls[kind].code)
    if kind == "choice":
        phone.locator("label.choice-option", has_text="Digital hjelp").click()
    else:
        for row in phone.locator("fieldset.scale-row").all():
            row.locator(".scale-point", has_text="7").first.click()
    phone.locator("[data-answer-for] button[type=submit]").click()
    results = phone.locator(".phone-results")
    results.wait_for()
    results.scroll_into_view_if_needed()
    save(phone, shots, f"phone-{kind}-results-so-far", full_page=True)
    assert phone.evaluate("() => document.scrollingElement.scrollWidth") <= 390
    if kind == "choice":
        assert_rows_clean(phone.evaluate(ROWS_JS), 390, None, 15.5)
    else:
        # A 0–10 scale's eleven columns across the phone, their counts at reading size.
        sizes = phone.evaluate("""() => Array.from(document.querySelectorAll('.phone-results svg.columns'), svg => ({
            width: svg.getBoundingClientRect().width,
            count: Math.min(...Array.from(svg.querySelectorAll('.column-count'), t => t.getBoundingClientRect().height))}))""")
        assert len(sizes) == len(SCALE[1])
        for size in sizes:
            assert size["width"] >= 300 and size["count"] >= 12, sizes
    report = Report()
    report.check(phone, f"phone, {kind} results so far", schemes=("light", "dark"))
    report.assert_clean()
    context.close()


def test_the_photo_button_is_a_thumbs_target_that_looks_like_a_button(chromium, live_server, walls, shots):
    code = seed_photo_table(live_server.env["DATABASE_URL"])
    context = chromium.new_context(**PHONE, locale="nb-NO", bypass_csp=True)
    phone = context.new_page()
    join(phone, live_server.url, code, table=1)
    form = phone.locator("form.photo-form")
    form.scroll_into_view_if_needed()
    save(phone, shots, "phone-photo-button")
    field = form.locator("input[type=file]")
    # The native input stays the control (named by its label, opening the back camera) …
    assert field.get_attribute("capture") == "environment"
    assert phone.evaluate("() => document.getElementById('photo-file').labels.length") >= 1
    # … and what the thumb hits is at least 44 px high, its button drawn like the app's others.
    target = field.evaluate("""input => {
        const box = input.getBoundingClientRect(), button = getComputedStyle(input, '::file-selector-button');
        return {height: box.height, width: box.width, buttonHeight: parseFloat(button.minHeight),
                radius: button.borderTopLeftRadius, weight: button.fontWeight, size: button.fontSize};
    }""")
    send = form.locator("button[type=submit]").evaluate(
        "b => ({radius: getComputedStyle(b).borderTopLeftRadius, weight: getComputedStyle(b).fontWeight,"
        " size: getComputedStyle(b).fontSize})")
    assert target["height"] >= 48 and target["buttonHeight"] >= 44 and target["width"] >= 300, target
    assert (target["radius"], target["weight"], target["size"]) == (send["radius"], send["weight"], send["size"])
    # Tapping it opens the file chooser (the camera on a phone).
    with phone.expect_file_chooser() as chooser:
        field.click()
    assert chooser.value.element.get_attribute("id") == "photo-file"
    phone.locator("#photo-file").focus()
    save(phone, shots, "phone-photo-button-focused")
    report = Report()
    report.check(phone, "phone, photo form", schemes=("light", "dark"))
    report.assert_clean()
    context.close()
