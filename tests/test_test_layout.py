"""The tests' own layout: helpers live in tests/support/, fixtures in the conftest files.

A test module that imports from a conftest ties itself to pytest's way of loading that file (the
root one is the module `conftest`, the browser tests' one `e2e.conftest`) and hides its helpers where
nobody looks for code. Fixtures are asked for by name, and never imported.
"""
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# Also catches imports inside a script a test runs in a subprocess.
CONFTEST_IMPORT = re.compile(r"^\s*(from\s+\.*[\w.]*\bconftest\s+import|import\s+[\w.]*\bconftest\b)", re.M)
WHERE = ("support.require (require_or_skip, REQUIRE_ALL), support.postgres (empty_postgres), "
         "support.factories (PASSWORD, make_facilitator, make_workshop), support.forms (csrf_token_in, "
         "Browser, join), support.sockets (socket_client), support.browser (PHONE, PROJECTOR, LAPTOP, "
         "ROOT, ARTIFACTS), support.live_server (LiveServer)")


def python_files():
    return [path for path in TESTS.rglob("*.py") if "node_modules" not in path.parts]


def test_the_layout_check_sees_every_form_of_a_conftest_import():
    for line in ("from conftest import Browser", "    from .conftest import PHONE",
                 "from e2e.conftest import LiveServer", "import conftest", "from tests.conftest import x"):
        assert CONFTEST_IMPORT.search(line), line
    assert not CONFTEST_IMPORT.search("from support.forms import csrf_token_in")


def test_no_module_imports_from_a_conftest():
    found = [f"{path.relative_to(TESTS.parent)}:{text[:match.start()].count(chr(10)) + 1}"
             for path in python_files() for text in [path.read_text(encoding="utf-8")]
             for match in CONFTEST_IMPORT.finditer(text)]
    assert not found, f"import helpers from tests/support/ instead ({WHERE}): {found}"


def test_one_csrf_helper():
    """The page's CSRF token is read in one place, so a change in how forms carry it is one edit."""
    helper = re.compile(r"^\s*def (?!test_)\w*csrf\w*\(", re.M)
    readers = [f"{path.relative_to(TESTS.parent)}: {match.group(0).strip()}" for path in python_files()
               for match in helper.finditer(path.read_text(encoding="utf-8"))]
    assert readers == ["tests/support/forms.py: def csrf_token_in("], f"use support.forms.csrf_token_in: {readers}"
