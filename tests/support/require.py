"""Skip a test on a laptop that lacks a tool (a browser, a database server, Node); fail it in CI.

CI sets FACILITATOR_REQUIRE_ALL=1 so that a test which would skip fails instead: a suite that is
green because it skipped what it could not run would say nothing.
"""
from __future__ import annotations

import os

import pytest

REQUIRE_ALL = os.environ.get("FACILITATOR_REQUIRE_ALL") == "1"


def require_or_skip(reason: str):
    """Skip on a laptop that lacks a tool; fail in CI, which must never skip silently."""
    if REQUIRE_ALL:
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)
