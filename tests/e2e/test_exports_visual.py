"""The minutes editor's live preview and the downloads, in Debian's Chromium against the real server;
the results on a phone. Screenshots land in tests/artifacts/test_exports_visual/: look at them."""
from __future__ import annotations

import re

import pytest

from support.browser import ARTIFACTS, LAPTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in_to_demo(page, live_server):
    page.goto(live_server.url + "/auth/login")
    page.fill("#email", "demo@facilitator.invalid")
    page.fill("#password", live_server.demo_password())
    page.click("main button[type=submit]")
    page.wait_for_url("**/host/**")


def test_minutes_preview_follows_typing_and_choices(chromium, live_server, shots):
    base = live_server.url
    live_server.flask("demo")
    context = chromium.new_context(**LAPTOP, accept_downloads=True)
    page = context.new_page()
    log_in_to_demo(page, live_server)
    page.goto(base + "/host/")
    page.locator("a", has_text="Regional samling for servicetorga i Hallingdal").first.click()
    page.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
    page.goto(page.url + "/minutes")
    preview = page.locator("#minutes-preview")
    preview.get_by_text("Server en kopp kaffe").first.wait_for()
    shots(page, "01-minutes-editor", full_page=True)
    page.evaluate("window.__noReload = true")

    page.fill("#opening_text", "Skrevet i nettleseren: æøå ÆØÅ")
    preview.get_by_text("Skrevet i nettleseren: æøå ÆØÅ").wait_for(timeout=5000)
    assert preview.locator("h3", has_text=re.compile("Ranking|Rangering")).count() == 1
    page.uncheck("#include_votes")
    preview.locator("h3", has_text=re.compile("Ranking|Rangering")).wait_for(state="detached", timeout=5000)
    page.check("#include_per_table")
    preview.locator("h3", has_text=re.compile(r"(Table|Bord) 1")).first.wait_for(timeout=5000)
    assert page.evaluate("window.__noReload === true"), "the preview must update without a reload"
    shots(page, "02-minutes-live-preview", full_page=True)

    page.click("#save")
    page.wait_for_selector(".flash-success")
    with page.expect_download() as download:
        page.click("a:has-text('PDF') >> nth=0")
    target = ARTIFACTS / "test_exports_visual" / "downloaded-minutes.pdf"
    download.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-") and download.value.suggested_filename.endswith(".pdf")
    context.close()


def test_results_on_a_phone(chromium, live_server, shots):
    base = live_server.url
    code = live_server.flask("demo").strip().splitlines()[-1]
    laptop = chromium.new_context(**LAPTOP)
    console = laptop.new_page()
    log_in_to_demo(console, live_server)
    console.goto(base + "/host/")
    console.locator("a", has_text="Regional samling for servicetorga i Hallingdal").first.click()
    console.wait_for_url(re.compile(r".*/host/workshops/\d+$"))
    assert console.inner_text("[data-testid=join-code]").replace(" ", "") == code
    console.click("form:has(input[name=status][value=closed]) button[type=submit]")
    console.wait_for_selector("form:has(input[name=status][value=live]) button[type=submit]")
    phone = chromium.new_context(**PHONE).new_page()
    response = phone.goto(f"{base}/j/{code}/results")
    if response.status == 404:
        pytest.skip("the results blueprint is not registered in the app factory yet")
    phone.get_by_text("Holde det du lover").first.wait_for()
    shots(phone, "03-phone-results", full_page=True)
    assert phone.locator(f"a[href='/j/{code}/results.pdf']").count() == 1
    laptop.close()
