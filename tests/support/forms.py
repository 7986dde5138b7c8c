"""Filling in the app's forms from a test as a browser would: fetch the page, post its form with the
CSRF token the page carries.

Standard library only (the Flask test client is passed in), so that support.phone, which runs in
threads against a real server, can use it too.
"""
from __future__ import annotations

import re

TOKEN_PATTERNS = (
    re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"'),
    re.compile(r'"X-CSRFToken": "([^"]+)"'),
)


def csrf_token_in(html: str) -> str:
    """The CSRF token a page hands its forms (hidden field) or htmx (hx-headers)."""
    for pattern in TOKEN_PATTERNS:
        match = pattern.search(html)
        if match:
            return match.group(1)
    raise AssertionError("no CSRF token in the page")


class Browser:
    """A test client that fetches a page first, then posts its form with the page's CSRF token."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def submit(self, page_url, action_url=None, data=None, headers=None, follow=False):
        page = self.client.get(page_url)
        token = csrf_token_in(page.get_data(as_text=True))
        return self.client.post(action_url or page_url, data={"csrf_token": token, **(data or {})},
                                headers=headers or {}, follow_redirects=follow)


def join(client, workshop, name=""):
    """Join a workshop as a phone would; returns the phone page's HTML."""
    browser = Browser(client)
    url = f"/j/{workshop.join_code}"
    response = browser.submit(url, f"{url}/join", {"display_name": name})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client.get(url).get_data(as_text=True)
