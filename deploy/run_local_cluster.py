"""A local cluster on 127.0.0.1: nginx in front of N app processes, for tests and the benchmark.

    .venv/bin/python -m deploy.run_local_cluster --processes 3 \\
        --database-url postgresql://root@127.0.0.1:5432/test --seconds 600

starts a private Redis (unless --redis-url names one), N gunicorn processes
(one gevent worker each, ports from --first-port, 5001 by default) and Debian's
nginx with a config generated under a temporary folder from the production
snippets in deploy/nginx/ (nothing under /etc is touched), prints the URL, and
stops everything after --seconds or on Ctrl+C. The same classes are imported
by tests/test_scaleout.py and bench/.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
NGINX_DIR = ROOT / "deploy" / "nginx"
PYTHON = sys.executable
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# Every process must accept the others' cookies, so they share one key.
LOCAL_SECRET_KEY = "local-cluster-secret-not-for-production"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process {process.args[0]} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def stop_process(process: subprocess.Popen | None, sig=signal.SIGTERM, timeout: float = 10) -> None:
    """Stop one process we started: a polite signal, then SIGKILL."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def pin(cpus=None):
    """preexec_fn for every child we start: it dies with us, and may be pinned to some cores.

    PR_SET_PDEATHSIG sends the child SIGTERM if the process that started it
    dies, even by SIGKILL, so no server outlives a killed test or benchmark.
    """
    def setup() -> None:
        try:
            import ctypes
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:
            pass
        if cpus:
            os.sched_setaffinity(0, set(cpus))
    return setup


def app_env(database_url: str, redis_url: str | None = None, **extra) -> dict:
    """The environment of an app process: the production stack, a shared key, no stray settings."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("REDIS_URL", "DATABASE_URL", "PUBLIC_URL", "FACILITATOR_NO_PATCH")}
    env.update(DATABASE_URL=database_url, SECRET_KEY=LOCAL_SECRET_KEY, SOCKETIO_ASYNC_MODE="gevent",
               PUBLIC_URL="", FLASK_APP="wsgi", PYTHONUNBUFFERED="1")
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def flask_command(env: dict, *args, timeout: float = 120, cwd: Path = ROOT) -> str:
    """Run `flask --app wsgi ARGS` (migrations, the demo) against the cluster's database."""
    result = subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", *args], cwd=cwd,
                            env={**env, "FACILITATOR_NO_PATCH": "1"}, capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def postgres_admin_url() -> str | None:
    """A URL for creating databases on the local server: $FACILITATOR_PG_ADMIN_URL, root or postgres."""
    import psycopg
    candidates = [os.environ.get("FACILITATOR_PG_ADMIN_URL"),
                  "postgresql://root@127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test"]
    for url in filter(None, candidates):
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    return None


class TemporaryDatabase:
    """A uniquely named PostgreSQL database, created on enter and dropped (forcibly) on exit."""

    def __init__(self, admin_url: str, prefix: str = "facilitator_tmp"):
        self.admin_url = admin_url
        self.name = f"{prefix}_{os.urandom(4).hex()}"
        self.url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{self.name}"))

    def _run(self, sql: str) -> None:
        import psycopg
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(sql)

    def __enter__(self) -> "TemporaryDatabase":
        self._run(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def redis_available(url: str = "redis://127.0.0.1:6379/0") -> bool:
    """A private redis-server can be started, or the shared one answers."""
    if Path(REDIS_SERVER).exists():
        return True
    try:
        import redis
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


class Gunicorn:
    """One app process: gunicorn with one gevent worker, as `make run` and the systemd unit start it."""

    def __init__(self, port: int, env: dict, log_path: Path, app: str = "wsgi:app",
                 cpus: set[int] | None = None, worker_connections: int = 10000,
                 ready_path: str = "/static/favicon.svg", cwd: Path = ROOT):
        self.port, self.env, self.log_path, self.app, self.cwd = port, env, log_path, app, cwd
        self.cpus, self.worker_connections, self.ready_path = cpus, worker_connections, ready_path
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--worker-class", "gevent", "--workers", "1",
             "--worker-connections", str(self.worker_connections), "--keep-alive", "75",
             "--graceful-timeout", "3", "--bind", f"127.0.0.1:{self.port}", self.app],
            cwd=self.cwd, env=self.env, stdout=self.log, stderr=self.log, preexec_fn=pin(self.cpus))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urlopen(self.url + self.ready_path, timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"gunicorn on {self.port} did not answer; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        stop_process(self.process)
        if self.process is not None:
            self.log.close()


class PrivateRedis:
    """A throwaway redis-server on a free port: its pub/sub channels are ours alone.

    Redis pub/sub ignores the database number, so two clusters on the shared
    server (a test and a benchmark, say) would hear each other's broadcasts
    for the same room name; a private server avoids that.
    """

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--logfile", str(self.workdir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=pin())
        wait_for_port(self.port, 10, self.process)

    def stop(self) -> None:
        stop_process(self.process)


def nofile_limit(wanted: int = 65536) -> int:
    """As many open files as nginx may have: it cannot raise the hard limit unprivileged."""
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


def render_nginx_config(upstream_ports: list[int], port: int, prefix: Path,
                        worker_processes: int = 1, access_log: bool = True) -> str:
    """nginx.conf for a local cluster: the production maps and locations, local paths."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;" for p in upstream_ports)
    log = f"access_log {prefix / 'access.log'} facilitator;" if access_log else "access_log off;"
    return f"""# Generated by deploy/run_local_cluster.py; never used outside this folder.
worker_processes {worker_processes};
worker_rlimit_nofile {nofile_limit()};
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
daemon off;

events {{
    worker_connections 16384;
}}

http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {prefix / 'tmp' / 'body'};
    proxy_temp_path {prefix / 'tmp' / 'proxy'};
    fastcgi_temp_path {prefix / 'tmp' / 'fastcgi'};
    uwsgi_temp_path {prefix / 'tmp' / 'uwsgi'};
    scgi_temp_path {prefix / 'tmp' / 'scgi'};
    log_format facilitator '$remote_addr "$request" $status $upstream_addr route=$facilitator_route';
    {log}

    include {NGINX_DIR / 'facilitator-maps.conf'};

    upstream facilitator {{
        hash $facilitator_route consistent;
{servers}
        keepalive 32;
        keepalive_timeout 60s;
    }}

    server {{
        listen 127.0.0.1:{port};
        include {NGINX_DIR / 'facilitator-locations.conf'};
    }}
}}
"""


class Nginx:
    """Debian's nginx with a generated config in a temporary folder, in the foreground."""

    def __init__(self, upstream_ports: list[int], workdir: Path, port: int | None = None,
                 worker_processes: int = 1, access_log: bool = True, cpus: set[int] | None = None):
        self.prefix = workdir / "nginx"
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = self.prefix / "nginx.conf"
        self.text = render_nginx_config(upstream_ports, self.port, self.prefix, worker_processes, access_log)
        self.cpus = cpus
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # Run as root, nginx's workers drop to nobody: they must reach the temp folders.
        for folder in (self.prefix.parent, self.prefix, self.prefix / "tmp"):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o755)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / "tmp" / sub).mkdir(exist_ok=True)
            (self.prefix / "tmp" / sub).chmod(0o777)
        self.config.write_text(self.text)
        check = subprocess.run([NGINX, "-t", "-q", "-p", str(self.prefix), "-c", str(self.config)],
                               capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
        self.process = subprocess.Popen([NGINX, "-p", str(self.prefix), "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        preexec_fn=pin(self.cpus))
        wait_for_port(self.port, 10, self.process)

    def pids(self) -> list[int]:
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [self.process.pid, *(int(pid) for pid in path.read_text().split())]
        except OSError:
            return [self.process.pid]

    def stop(self) -> None:
        # SIGQUIT is nginx's graceful stop; open WebSockets would hold it, so be brief.
        stop_process(self.process, signal.SIGTERM, timeout=5)


class LocalCluster:
    """nginx + N app processes (+ a private Redis) on 127.0.0.1; a context manager that stops them all."""

    def __init__(self, processes: int, database_url: str, workdir: Path | None = None,
                 redis_url: str | None = None, first_port: int | None = None,
                 app_cpus: set[int] | None = None, nginx_cpus: set[int] | None = None,
                 nginx_workers: int = 1, access_log: bool = True, env_extra: dict | None = None,
                 message_queue: bool | None = None):
        self.owned_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="facilitator-cluster-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        # One process needs no message queue, but may be given one (to measure what it costs).
        wants_queue = processes > 1 if message_queue is None else message_queue
        self.redis = PrivateRedis(self.workdir) if wants_queue and not redis_url else None
        self.redis_url = redis_url
        ports = [first_port + i for i in range(processes)] if first_port else [free_port() for _ in range(processes)]
        self.database_url = database_url
        self.env_extra = env_extra or {}
        self.app_cpus = app_cpus
        self.apps: list[Gunicorn] = []
        self.ports = ports
        self.nginx = Nginx(ports, self.workdir, worker_processes=nginx_workers,
                           access_log=access_log, cpus=nginx_cpus)
        self.url = self.nginx.url

    @property
    def env(self) -> dict:
        return app_env(self.database_url, self.redis_url, **self.env_extra)

    def start(self) -> "LocalCluster":
        try:
            if self.redis is not None:
                self.redis.start()
                self.redis_url = self.redis.url
            for index, port in enumerate(self.ports):
                app = Gunicorn(port, self.env, self.workdir / f"app-{index + 1}.log", cpus=self.app_cpus)
                self.apps.append(app)
                app.start()
            self.nginx.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.nginx.stop()
        for app in self.apps:
            app.stop()
        if self.redis is not None:
            self.redis.stop()

    def __enter__(self) -> "LocalCluster":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        if self.owned_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def stop_on_signals() -> None:
    """Turn SIGTERM and SIGHUP into SystemExit, so that `with` blocks stop what they started.

    (A background job of a shell ignores SIGINT, so SIGTERM is how one stops it.)
    """
    def leave(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGHUP, leave)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--redis-url", default=None, help="an existing Redis; default: a private one")
    parser.add_argument("--first-port", type=int, default=5001)
    parser.add_argument("--seconds", type=float, default=3600, help="stop after this long (bounded)")
    parser.add_argument("--migrate", action="store_true", help="run `flask db upgrade` first")
    parser.add_argument("--demo", action="store_true", help="load the demo workshop and print its code")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    cluster = LocalCluster(args.processes, args.database_url, redis_url=args.redis_url,
                           first_port=args.first_port)
    if args.migrate:
        flask_command(cluster.env, "db", "upgrade")
    if args.demo:
        print("demo workshop code:", flask_command(cluster.env, "demo").strip().splitlines()[-1])
    stop_on_signals()
    with cluster:
        print(f"nginx at {cluster.url} -> app processes on ports {cluster.ports}"
              f" (Redis {cluster.redis_url or 'none'}); logs in {cluster.workdir}", flush=True)
        try:
            time.sleep(args.seconds)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
