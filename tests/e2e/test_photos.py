"""Photos from the tables in Chromium: a table host's phone (390x844, on a slow network) sends a photo
of the cloth with the file picker the camera fills; the console's Photos tab and the projector's
photo view show it without a reload of the projector; axe-core finds nothing on the new states."""
from __future__ import annotations

import io
import time

import pytest
from PIL import Image, ImageDraw

from support.browser import LAPTOP, PHONE, PROJECTOR
from .test_accessibility import axe
from .test_cafe import open_cafe, post_and_wait
from .test_core_loop import assert_not_reloaded, mark_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def cloth_photo() -> bytes:
    """A phone's photo of a paper cloth: a big JPEG with lines and words drawn on it."""
    image = Image.new("RGB", (4032, 3024), (246, 240, 225))
    draw = ImageDraw.Draw(image)
    for y in range(300, 2800, 420):
        draw.line((300, y, 3700, y + 120), fill=(30, 60, 140), width=18)
    draw.ellipse((1500, 1000, 2600, 2000), outline=(170, 40, 40), width=24)
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85)
    return output.getvalue()


def join_as_host(chromium, base, code, table):
    """A phone joins at a table as its host (CSP bypassed only so that axe can be injected)."""
    phone = chromium.new_context(**PHONE, bypass_csp=True).new_page()
    phone.goto(f"{base}/j/{code}")
    phone.fill("#display_name", "Vert")
    phone.select_option("#table", str(table))
    phone.check("#host")
    phone.click("main button[type=submit]")
    phone.wait_for_selector("[data-live-status][data-state=online]")
    return phone


def slow_network(page, seconds=0.8):
    """Every request of the phone waits a little, as on a crowded venue's Wi-Fi."""
    def delay(route):
        time.sleep(seconds)
        route.continue_()
    page.route("**/*", delay)


def test_a_host_photographs_the_cloth_and_every_screen_shows_it(chromium, live_server, shots):
    base = live_server.url
    laptop = chromium.new_context(**LAPTOP, bypass_csp=True)
    console = laptop.new_page()
    workshop_url, code = open_cafe(console, base, "Kafédialog med bilder", ["Hva gjør servicetorget best?"],
                                   tables=2)
    console.goto(workshop_url + "/suggestions")
    console.check("input[name=view][value=photos]")
    post_and_wait(console, console.locator("form:has(input[name=view]) button[type=submit]"))

    projector = laptop.new_page()
    projector.set_viewport_size(PROJECTOR["viewport"])
    projector.goto(f"{base}/projector/{code}")
    projector.wait_for_selector("[data-live-status][data-state=online]")
    mark_page(projector)
    projector.locator("#stage .empty-note").wait_for()

    phone = join_as_host(chromium, base, code, 1)
    phone.locator("#table-photos").scroll_into_view_if_needed()
    shots(phone, "phone-photo-form-390x844")
    violations = axe(phone)
    assert not violations, violations

    slow_network(phone)
    phone.set_input_files("#photo-file", files=[{"name": "IMG_2041.jpg", "mimeType": "image/jpeg",
                                                  "buffer": cloth_photo()}])
    phone.fill("#photo-caption", "Duken fra bord 1")
    with phone.expect_navigation(timeout=60000):
        phone.click("#table-photos button[type=submit]")
    phone.locator("[data-testid=table-photos] img").wait_for()
    assert "Duken fra bord 1" == phone.get_attribute("[data-testid=table-photos] img", "alt")
    phone.locator("#table-photos").scroll_into_view_if_needed()
    shots(phone, "phone-photo-sent-390x844")
    violations = axe(phone)
    assert not violations, violations

    # The projector: pushed, not reloaded; the picture loaded at its real size.
    stage_image = projector.locator("[data-testid=stage-photos] img")
    stage_image.wait_for(timeout=15000)
    projector.wait_for_function("() => { const i = document.querySelector('[data-testid=stage-photos] img');"
                                " return i && i.complete && i.naturalWidth === 2048; }")
    assert_not_reloaded(projector)
    assert "Duken fra bord 1" in projector.inner_text("#stage")
    shots(projector, "projector-photos-1920x1080")
    violations = axe(projector)
    assert not violations, violations

    console.goto(workshop_url + "/photos")
    console.locator("[data-testid=console-photos-1] img").wait_for()
    console.wait_for_function("() => document.querySelector('[data-testid=console-photos-1] img').complete")
    shots(console, "console-photos")
    violations = axe(console)
    assert not violations, violations
    console.set_viewport_size(PHONE["viewport"])
    shots(console, "console-photos-390x844")
    violations = axe(console)
    assert not violations, violations
