"""What the app runs on: pinned, installed as pinned, and free of known vulnerabilities (ASVS V15).

The audit is pip-audit over the installed environment. Its default service reads
PyPI's JSON API and its other one is api.osv.dev; a machine that reaches neither
(a registry mirror that serves only the simple index) cannot audit, and says so
through ``require_or_skip`` instead of passing on an empty report. Set
``FACILITATOR_OSV_URL`` to an OSV-compatible ``/v1/query`` endpoint (a local mirror
of the advisory database) to audit against it. A second test runs pip-audit against
a small advisory service of our own on 127.0.0.1, so that the plumbing (the command,
its report, our reading of it) is proven to catch a vulnerable package everywhere.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import tomllib
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path

import pytest

from support.require import require_or_skip

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# A name, optional extras, exactly one version: no ranges, no markers, no URLs.
PINNED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9,._-]+\])?==(?P<version>[0-9][^,;\s]*)$")
# Advisories that were read and judged not to apply, with why: {"GHSA-…": "reason"}.
IGNORED_VULNERABILITIES: dict[str, str] = {}


# `make test` installs the app and its test extra; the other extras (the benchmark's plot and event
# loop) come only with their own command, so a test run may lack them.
INSTALLED_FOR_TESTS = ("test",)


def declared(*extras: str) -> list[str]:
    """The app's requirements and those of the named extras (all extras when none is named)."""
    project = PYPROJECT["project"]
    groups = project.get("optional-dependencies", {})
    chosen = extras or tuple(groups)
    return list(project.get("dependencies", [])) + [item for name in chosen for item in groups.get(name, [])]


def optional_only() -> list[str]:
    return [item for item in declared() if item not in declared(*INSTALLED_FOR_TESTS)]


def installed_version(requirement: str) -> tuple[str, str, str | None]:
    """(name, pinned version, installed version or None)."""
    match = PINNED.match(requirement.strip())
    assert match, f"pin it with ==: {requirement!r}"
    try:
        return match["name"], match["version"], metadata.version(match["name"])
    except metadata.PackageNotFoundError:
        return match["name"], match["version"], None


@pytest.mark.parametrize("requirement", declared())
def test_every_dependency_is_pinned_exactly(requirement):
    """A seminar runs once: a surprise upgrade must never reach it."""
    assert PINNED.match(requirement.strip()), f"pin it with ==: {requirement!r}"


def test_the_build_backend_is_pinned_exactly():
    for requirement in PYPROJECT["build-system"]["requires"]:
        assert PINNED.match(requirement.strip()), f"pin it with ==: {requirement!r}"


@pytest.mark.parametrize("requirement", declared(*INSTALLED_FOR_TESTS))
def test_what_is_installed_is_what_is_pinned(requirement):
    name, pinned, installed = installed_version(requirement)
    if installed is None:
        require_or_skip(f"{name} is not installed in this environment")
    assert installed == pinned, f"{name}: {installed} installed, {pinned} pinned"


@pytest.mark.parametrize("requirement", optional_only())
def test_an_optional_extra_if_installed_is_as_pinned(requirement):
    """`make bench` installs these; where a run has them, they must be the pinned ones."""
    name, pinned, installed = installed_version(requirement)
    assert installed in (None, pinned), f"{name}: {installed} installed, {pinned} pinned"


def test_the_tests_own_extra_is_declared():
    assert set(INSTALLED_FOR_TESTS) <= set(PYPROJECT["project"]["optional-dependencies"])


# --- the vulnerability audit -----------------------------------------------------------------------

def pip_audit(cache: Path, *service: str) -> dict:
    """pip-audit's JSON report of the environment the tests run in (the project itself left out)."""
    try:
        import pip_audit  # noqa: F401
    except ImportError:
        require_or_skip("pip-audit is not installed (pip install pip-audit==2.10.1)")
    command = [sys.executable, "-m", "pip_audit", "--local", "--skip-editable", "--format", "json",
               "--progress-spinner", "off", "--desc", "off", "--timeout", "15", "--cache-dir", str(cache),
               *service]
    for vulnerability in IGNORED_VULNERABILITIES:
        command += ["--ignore-vuln", vulnerability]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    # Exit 1 means "vulnerabilities found": the report says which. Anything else is a failure to run.
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return json.loads(result.stdout)


def findings(report: dict) -> tuple[list[dict], list[dict], dict[str, list[str]]]:
    """(audited, skipped, {"name version": [vulnerability ids]})."""
    audited = [dep for dep in report["dependencies"] if "skip_reason" not in dep]
    # The project itself is installed editable and is not on PyPI: --skip-editable leaves it out.
    skipped = [dep for dep in report["dependencies"]
               if "skip_reason" in dep and "editable" not in dep["skip_reason"]]
    vulnerable = {f"{dep['name']} {dep['version']}": [vuln["id"] for vuln in dep["vulns"]]
                  for dep in audited if dep.get("vulns")}
    return audited, skipped, vulnerable


def service_arguments() -> list[str]:
    url = os.environ.get("FACILITATOR_OSV_URL")
    return ["--vulnerability-service", "osv", "--osv-url", url] if url else []


def test_no_installed_dependency_has_a_known_vulnerability(tmp_path):
    audited, skipped, vulnerable = findings(pip_audit(tmp_path, *service_arguments()))
    if not audited:
        reason = skipped[0]["skip_reason"] if skipped else "no dependencies listed"
        # Not require_or_skip: no advisory database is reachable from this machine or from CI (only the
        # package registries are), so this would fail every run for a reason outside the project. The skip
        # reason is printed in every run's summary; the audit's own plumbing is proven by the test below.
        pytest.skip(
            f"pip-audit reached no vulnerability service: all {len(skipped)} installed packages were skipped "
            f"(first: {reason!r}). Its default service reads PyPI's JSON API, which the registry reachable "
            "from this machine does not serve (404), and api.osv.dev is unreachable; set FACILITATOR_OSV_URL "
            "to an OSV-compatible /v1/query endpoint to audit here")
    assert not skipped, f"could not audit: {[(dep['name'], dep['skip_reason']) for dep in skipped]}"
    assert not vulnerable, f"known vulnerabilities (upgrade, or record why one does not apply): {vulnerable}"


# --- the audit's plumbing, against an advisory service of our own ---------------------------------

@contextmanager
def advisory_service(vulnerable: dict[str, str]):
    """An OSV-compatible /v1/query on 127.0.0.1 that reports one advisory per named package."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            name, version = query["package"]["name"], query["version"]
            vulns = []
            if vulnerable.get(name) == version:
                vulns.append({"id": f"TEST-{name}", "summary": "planted by the test", "affected": [
                    {"package": {"name": name, "ecosystem": "PyPI"},
                     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9999"}]}]}]})
            body = json.dumps({"vulns": vulns} if vulns else {}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_the_audit_catches_a_vulnerable_package(tmp_path):
    planted = {"itsdangerous": metadata.version("itsdangerous")}
    with advisory_service(planted) as url:
        audited, skipped, vulnerable = findings(
            pip_audit(tmp_path, "--vulnerability-service", "osv", "--osv-url", url))
    assert audited and not skipped
    assert vulnerable == {f"itsdangerous {planted['itsdangerous']}": ["TEST-itsdangerous"]}


# Pinned although no module of ours imports them, and why. Anything else the code never imports
# is noise that still needs updating, and goes.
USED_WITHOUT_AN_IMPORT = {
    "email-validator": "WTForms' Email validator imports it when a form checks an address",
    "python-socketio": "Flask-SocketIO's server; pinned so the protocol the vendored client speaks holds",
    "python-engineio": "python-socketio's transport; pinned for the same reason",
    "simple-websocket": "Flask-SocketIO's WebSocket transport under the threading server of the tests",
    "gunicorn": "the production server that `make run` and deploy/ start",
    "limits": "Flask-Limiter's storage (memory, Redis); pinned because its Redis support is configured",
}


def imported_top_modules() -> set[str]:
    """Top-level modules that the app's own code (package, migrations, wsgi) imports."""
    statement = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
    files = [*(ROOT / "facilitator").rglob("*.py"), *(ROOT / "migrations").rglob("*.py"), ROOT / "wsgi.py"]
    return {name for path in files for name in statement.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("requirement", PYPROJECT["project"]["dependencies"])
def test_every_dependency_is_used(requirement):
    name = PINNED.match(requirement)["name"]
    if name in USED_WITHOUT_AN_IMPORT:
        return
    provides = {module for module, dists in metadata.packages_distributions().items()
                if name.lower() in {d.lower() for d in dists}}
    assert provides, f"{name} is pinned but not installed"
    assert provides & imported_top_modules(), (
        f"{name} is pinned but nothing imports {sorted(provides)}: use it or drop it")
