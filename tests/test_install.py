"""The package as a municipality installs it: a wheel, outside the checkout, served by gunicorn.

An editable install reads templates, static files, migrations and catalogs from the
checkout, so only a real wheel shows what a non-editable install is missing. The
wheel goes into a fresh virtual environment (no pip of its own, no network: its
dependencies come from this test's environment through a .pth path entry) and is
run from a folder outside the repository.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from urllib.request import Request, urlopen

import pytest
from babel.messages.pofile import read_po

from deploy.run_local_cluster import free_port, pin, stop_process

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ["nb", "nn", "sv", "da", "fi", "en"]

pytestmark = pytest.mark.slow


def translated(language: str, message: str) -> str:
    if language == "en":
        return message
    with open(ROOT / "facilitator" / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)[message].string


def build_wheel(target: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(target), str(ROOT)],
                   check=True, timeout=300, cwd=target)
    (wheel,) = target.glob("facilitator-*.whl")
    return wheel


def make_venv(folder: Path, wheel: Path) -> Path:
    """A new environment holding the wheel alone; our dependencies are reached through a path entry
    (a directory named in a .pth is put on sys.path, its own .pth files, our editable hook among
    them, are not run)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=60)
    python = folder / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, timeout=120)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return folder


def clean_env(**extra) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FLASK_", "FACILITATOR_", "PYTHON")) and key not in
           ("DATABASE_URL", "INSTANCE_PATH", "REDIS_URL", "SECRET_KEY", "VIRTUAL_ENV")}
    env.update(extra)
    return env


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            with urlopen(url, timeout=1):  # noqa: S310 - our own server on 127.0.0.1
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


def fetch(url: str, language: str) -> str:
    request = Request(url, headers={"Accept-Language": language})  # noqa: S310 - 127.0.0.1
    with urlopen(request, timeout=10) as response:  # noqa: S310
        return response.read().decode()


def test_wheel_installs_migrates_and_serves_every_language(tmp_path):
    wheel = build_wheel(tmp_path)
    venv = make_venv(tmp_path / "venv", wheel)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'installed.sqlite3'}", FACILITATOR_NO_PATCH="1")

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import facilitator; print(facilitator.__file__)"],
                           cwd=workdir, env=env, check=True, capture_output=True, text=True).stdout
    assert where.startswith(str(venv)), where

    migrate = subprocess.run([str(venv / "bin" / "facilitator"), "db", "upgrade"], cwd=workdir, env=env,
                             capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    assert "Running upgrade" in migrate.stderr

    port = free_port()
    serve_env = {**env, "SOCKETIO_ASYNC_MODE": "gevent"}
    serve_env.pop("FACILITATOR_NO_PATCH")
    server = subprocess.Popen([str(venv / "bin" / "python"), "-m", "gunicorn", "--worker-class", "gevent",
                               "--bind", f"127.0.0.1:{port}", "facilitator.wsgi:app"],
                              cwd=workdir, env=serve_env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, preexec_fn=pin())
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/static/favicon.svg", server)
        for language in LANGUAGES:
            page = fetch(base + "/auth/setup", language)
            assert f'lang="{language}"' in page
            heading = re.search(r"<h1>(.*?)</h1>", page).group(1)
            assert heading == translated(language, "Welcome to facilitator"), language
        stylesheet = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', page).group(1)
        assert fetch(base + stylesheet, "en")
    finally:
        stop_process(server)
    # The secret key and anything else the app writes went to the environment's var/, not site-packages.
    assert (venv / "var" / "facilitator-instance" / "secret_key").exists()
