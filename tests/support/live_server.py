"""The app as users meet it: gunicorn with one gevent worker on a free 127.0.0.1 port, on a SQLite file
in WAL mode, in a subprocess that a test can stop and start again."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

from .browser import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """gunicorn serving the app; can be stopped and started again on the same port and database."""

    def __init__(self, workdir: Path, migrated: Path | None = None):
        """``migrated``: a SQLite file at the newest revision to start from, copied; without it the
        server's own ``flask db upgrade`` makes the database (a subprocess, 2-5 s)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite3'}",
                    "SECRET_KEY": "e2e-secret-key-not-for-production", "SOCKETIO_ASYNC_MODE": "gevent",
                    "PUBLIC_URL": "", "FLASK_APP": "wsgi"}
        self.log = open(workdir / "server.log", "ab")
        self.process = None
        self._demo_password = ""
        if migrated is None:
            self.flask("db", "upgrade")
        else:
            shutil.copyfile(migrated, workdir / "e2e.sqlite3")

    def flask(self, *args) -> str:
        result = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def demo_password(self) -> str:
        """The demo login's password: a new one the first time it is asked for (the demo command
        prints it only when it makes the login), the same one after that."""
        if not self._demo_password:
            self._demo_password = self.flask("demo", "--reset-password").strip().splitlines()[-1]
        return self._demo_password

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--worker-class", "gevent", "--workers", "1",
             "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "1", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urlopen(self.url + "/static/favicon.svg", timeout=1):  # noqa: S310 - our own http URL
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start; see server.log")

    def stop(self, quick: bool = False) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT if quick else signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def close(self) -> None:
        """The end of a module: SIGQUIT, gunicorn's quick shutdown, since the graceful one (stop)
        waits out --graceful-timeout for the browsers' live sockets, a second per module."""
        self.stop(quick=True)
        self.log.close()
