"""The deploy/ recipe as it runs: nginx serving the published static files, systemd's commands.

nginx is started on 127.0.0.1 with the production snippets (maps and static), in a
temporary folder; nothing under /etc is touched.
"""
from __future__ import annotations

import brotli
import gzip
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from support.require import require_or_skip
from deploy.run_local_cluster import NGINX, free_port, pin, stop_process, wait_for_port
from facilitator import create_app
from facilitator.infra.config import TestConfig

ROOT = Path(__file__).resolve().parents[1]
NGINX_DIR = ROOT / "deploy" / "nginx"
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")


def nginx_config(prefix: Path, static: Path, port: int) -> str:
    return f"""load_module {BROTLI_MODULE};
worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
daemon off;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {prefix / 'tmp'};
    proxy_temp_path {prefix / 'tmp'};
    fastcgi_temp_path {prefix / 'tmp'};
    uwsgi_temp_path {prefix / 'tmp'};
    scgi_temp_path {prefix / 'tmp'};
    include {NGINX_DIR / 'facilitator-maps.conf'};
    server {{
        listen 127.0.0.1:{port};
        location /static/ {{
            alias {static}/;
            include {NGINX_DIR / 'facilitator-static.conf'};
        }}
    }}
}}
"""


@pytest.fixture
def published():
    """The static folder as `facilitator publish-static` writes it, in a folder nginx's workers can read."""
    folder = Path(tempfile.mkdtemp(prefix="facilitator-static-"))
    folder.chmod(0o755)
    app = create_app(TestConfig)
    result = app.test_cli_runner().invoke(args=["publish-static", str(folder / "static")])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        from flask import url_for
        url = url_for("static", filename="css/app.css")
    yield folder, url
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def nginx(published):
    if not Path(NGINX).exists() or not BROTLI_MODULE.exists():
        require_or_skip("nginx with libnginx-mod-http-brotli-static is not installed")
    folder, _url = published
    prefix = folder / "nginx"
    (prefix / "tmp").mkdir(parents=True)
    port = free_port()
    config = prefix / "nginx.conf"
    config.write_text(nginx_config(prefix, folder / "static", port))
    check = subprocess.run([NGINX, "-t", "-q", "-p", str(prefix), "-c", str(config)],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, preexec_fn=pin())
    try:
        wait_for_port(port, 10, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(process)


def get(url: str, encoding: str | None):
    headers = {"Accept-Encoding": encoding} if encoding else {}
    with urlopen(Request(url, headers=headers), timeout=10) as response:  # noqa: S310 - 127.0.0.1
        return response.headers, response.read()


@pytest.mark.slow
def test_nginx_sends_precompressed_static_files_cached_for_good(nginx, published):
    _folder, hashed_url = published
    assert re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]{12}", hashed_url)
    original = (ROOT / "static" / "css" / "app.css").read_bytes()

    headers, body = get(nginx + hashed_url, "br")
    assert headers["Content-Encoding"] == "br"
    assert brotli.decompress(body) == original
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in headers["Vary"]

    headers, body = get(nginx + hashed_url, "gzip")
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == original

    headers, body = get(nginx + hashed_url, None)
    assert "Content-Encoding" not in headers
    assert body == original

    # A URL without the content hash may name other bytes after an upgrade.
    headers, _body = get(nginx + "/static/css/app.css", "br")
    assert headers["Cache-Control"] == "public, max-age=3600"


def test_publish_static_replaces_the_previous_version(published):
    folder, _url = published
    stale = folder / "static" / "css" / "removed-in-this-version.css"
    stale.write_text("a file an older version shipped")
    app = create_app(TestConfig)
    result = app.test_cli_runner().invoke(args=["publish-static", str(folder / "static")])
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert (folder / "static" / "css" / "app.css.br").exists()
    assert not list(folder.glob("static.*")), "the build and retired folders are cleaned up"


def unit_commands() -> list[tuple[str, list[str]]]:
    """Every `facilitator COMMAND …` that a systemd unit runs."""
    found = []
    for unit in sorted((ROOT / "deploy" / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            match = re.match(r"ExecStart=\S+/bin/facilitator (.+)$", line)
            if match:
                found.append((unit.name, match.group(1).split()))
    return found


def test_every_command_a_unit_runs_exists():
    commands = unit_commands()
    assert {args[0] for _unit, args in commands} >= {"db", "purge", "publish-static"}
    app = create_app(TestConfig)
    for unit, args in commands:
        words = [word for word in args if not word.startswith("/")]
        result = app.test_cli_runner().invoke(args=[*words, "--help"])
        assert result.exit_code == 0, f"{unit}: facilitator {' '.join(args)}: {result.output}"


def test_the_purge_timer_starts_the_purge_daily():
    timer = (ROOT / "deploy" / "systemd" / "facilitator-purge.timer").read_text()
    assert re.search(r"^OnCalendar=\*-\*-\* \d\d:\d\d:00$", timer, re.M)
    assert "Persistent=true" in timer
    service = (ROOT / "deploy" / "systemd" / "facilitator-purge.service").read_text()
    assert "Type=oneshot" in service and "StandardOutput=journal" in service
