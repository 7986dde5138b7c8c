"""A real server in a subprocess and Debian's Chromium driven by Playwright.

The server is the production stack (gunicorn, one gevent worker, SQLite file
in WAL mode) on a free 127.0.0.1 port, so these tests see what users see.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from support.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from support.live_server import LiveServer
from support.require import require_or_skip


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, migrated_sqlite):
    # A copy of the session's migrated database rather than a `flask db upgrade` per module
    # (tests/test_install.py and the reliability tests run the real command).
    server = LiveServer(tmp_path_factory.mktemp("server"), migrated=migrated_sqlite)
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        require_or_skip("Debian's chromium is not installed (make test installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_or_skip("playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module", autouse=True)
def contexts_closed_after_each_module(chromium):
    """Whatever browser context a module left open is closed when it ends. A page left open keeps
    reconnecting its socket to a server that has stopped, and where a test routed its requests
    through a handler that waits (a slow network), every attempt queues up behind that handler
    while the rest of the suite runs: closing the browser at the end then took 19 s."""
    yield
    for context in list(chromium.contexts):
        context.close()


@pytest.fixture
def shots(request):
    """Where a test saves its screenshots (git ignores the folder); look at them."""
    folder = ARTIFACTS / request.module.__name__.rsplit(".", 1)[-1]
    folder.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, full_page: bool = False) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path
    return save

