"""A photo over the limit, sent through the real server (gunicorn, not the test client), gets the
translated message on the phone's page, not a reset connection, and nothing is stored. The photo
form is a plain multipart form with or without JavaScript, so one browser run covers both."""
from __future__ import annotations

from support.browser import LAPTOP, PHONE
from .test_cafe import open_cafe

THIRTY_MB = b"\xff\xd8\xff\xe0" + b"\x00" * (30 * 1024 * 1024)


def test_a_30_mb_photo_is_refused_with_the_reason(chromium, live_server):
    base = live_server.url
    console = chromium.new_context(**LAPTOP).new_page()
    _url, code = open_cafe(console, base, "Kafé med store bilder", ["Hva gjør servicetorget best?"], tables=2)
    console.close()
    phone = chromium.new_context(**PHONE, java_script_enabled=False).new_page()
    phone.goto(f"{base}/j/{code}")
    phone.fill("#display_name", "Vert")
    phone.select_option("#table", "1")
    phone.check("#host")
    phone.click("main button[type=submit]")
    phone.locator("#photo-file").wait_for()
    phone.set_input_files("#photo-file", files=[{"name": "IMG_9999.jpg", "mimeType": "image/jpeg",
                                                  "buffer": THIRTY_MB}])
    phone.click("#table-photos button[type=submit]")
    error = phone.locator("[data-testid=photo-error]")
    error.wait_for(timeout=60000)
    assert "25 MB" in error.inner_text()
    assert phone.locator("[data-testid=table-photos] img").count() == 0
