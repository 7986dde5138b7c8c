"""Filling in the app's forms from a test: the CSRF token a page carries.

Standard library only, so that support.phone (threads against a real server) can use it too.
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
