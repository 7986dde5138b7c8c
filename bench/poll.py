"""A poll of a whole room: every phone answers a multiple-choice question within 10 s.

    .venv/bin/python -m bench.poll             # 2,000 phones
    .venv/bin/python -m bench.poll --quick     # 300 phones, about a minute
    .venv/bin/python -m bench.poll --databases sqlite,postgresql

The cell, per database: one gunicorn gevent process (core 0) on a fresh database with the demo
seminar (`flask demo`), and a multiple-choice question with four options added, put on the
projector and open (results shown). The phones join over HTTP as a browser does (GET the join
page, POST the form with its CSRF token, GET the workshop page for the answer form), 50 at a
time; the demo login logs in over HTTP and its projector opens a Socket.IO socket. Then each
phone sends its answer once, at a moment drawn uniformly within 10 s (open loop), over a new
connection, as the phone's outbox does: a client_id, Retry-After honoured, 30 s per try.

Measured: answers accepted per second, the answer's HTTP p50/p99, and for each accepted answer
the time from its acceptance to the first projector push whose "N people have answered" reaches
its place in the order of acceptance (p50/p99, and the LAST answer's: the push with the final
count). Nothing lost: the database holds exactly one answer per phone, with the client_id of the
send that was acknowledged. Beside it, the bare insert (bench/bare_insert.py, one INSERT per
POST) offered the same sends at the same moments. The client runs in this process on core 1.
Writes bench/results/poll.{json,md,png}. All traffic to 127.0.0.1; every loop is bounded.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from deploy.run_local_cluster import (ROOT, Gunicorn, app_env, flask_command, free_port, postgres_admin_url,
                                      stop_on_signals)

from .loadgen import post_join, CSRF, HttpConnection, HttpError, Receipts, SocketPhone
from .run import CLIENT_CORE, RESULTS, SERVER_CORE, cpu_seconds, database_url_for, percentile

SPREAD_SECONDS = 10.0
SEND_TIMEOUT = 30  # outbox.js SEND_TIMEOUT_MS
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}
SETTLE_SECONDS = 20  # how long after the last acknowledged answer the projector may take
DEMO_EMAIL = "demo@facilitator.invalid"  # facilitator.services.demo.DEMO_EMAIL
ANSWER_FORM = re.compile(r'action="/j/[^/"]+/a/(\d+)"')
OPTION = re.compile(r'name="option" value="(\d+)"')
COUNT = re.compile(r'class="chart-count">\D*(\d+)')
OPTIONS = ["Skilting i resepsjonen", "Kortere køer", "Digital timebestilling", "Tolk ved behov"]
SETUP = """
from facilitator.wsgi import app
from facilitator.infra.extensions import db
from facilitator.models import Workshop
from facilitator.services.questions import add_question, show_question
from facilitator.services.question_kinds import KindSettings, set_question_kind
with app.app_context():
    workshop = db.session.query(Workshop).filter_by(join_code={code!r}).one()
    question = set_question_kind(add_question(workshop, "Hva bør servicetorget gjøre først?"),
                                 KindSettings("choice", {options!r}))
    show_question(workshop, question)
    workshop.results_hidden = False
    db.session.commit()
    print(question.id)
"""


@dataclass
class Phone:
    index: int
    cookies: dict = field(default_factory=dict)
    csrf: str = ""
    option: str = ""

    def headers(self) -> dict:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}


@dataclass
class Log:
    answers: list = field(default_factory=list)  # (sent_at, seconds, status) of every try
    acknowledged: dict = field(default_factory=dict)  # client_id -> (first try left, acknowledged at)
    given_up: list = field(default_factory=list)
    pushes: list = field(default_factory=list)  # (arrived at, count on the projector)


def prepare(env: dict) -> tuple[str, str, int]:
    """A fresh demo seminar with the poll on its projector: join code, demo password, question id."""
    printed = flask_command(env, "demo").strip().splitlines()
    code = printed[-1].strip()
    password = next(line.split(" with the password ")[1].strip() for line in printed if " with the password " in line)
    script = SETUP.format(code=code, options=OPTIONS)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**env, "FACILITATOR_NO_PATCH": "1"},
                            capture_output=True, text=True, timeout=120, check=True)
    return code, password, int(result.stdout.strip().splitlines()[-1])


async def join(host: str, port: int, code: str, phone: Phone, question_id: int) -> None:
    """As a browser joins: the join page, the form with its CSRF token, the workshop page."""
    http = HttpConnection(host, port)
    try:
        page = await http.request("GET", f"/j/{code}", {})
        phone.cookies.update(page.cookies())
        answer, _refused = await post_join(http, code, CSRF.search(page.text).group(1), f"Svar {phone.index}",
                                           phone.headers())
        phone.cookies.update(answer.cookies())
        page = await http.request("GET", f"/j/{code}", phone.headers())
        phone.csrf = CSRF.search(page.text).group(1)
        if int(ANSWER_FORM.search(page.text).group(1)) != question_id:
            raise HttpError("the phone's page shows another question")
        phone.option = random.choice(OPTION.findall(page.text))  # noqa: S311 - a spread of answers
    finally:
        http.close()


async def login(host: str, port: int, email: str, password: str) -> dict:
    """The demo login's session cookie, logged in through the login form."""
    http = HttpConnection(host, port)
    try:
        page = await http.request("GET", "/auth/login", {})
        cookies = page.cookies()
        body = urlencode({"csrf_token": CSRF.search(page.text).group(1), "email": email,
                          "password": password}).encode()
        answer = await http.request("POST", "/auth/login", {
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Content-Type": "application/x-www-form-urlencoded"}, body)
        if answer.status != 303:
            raise HttpError(f"login answered {answer.status}")
        return {**cookies, **answer.cookies()}
    finally:
        http.close()


class Projector(SocketPhone):
    """The projector's socket: records when each stage push came and the count it shows."""

    def __init__(self, request: bytes, auth: bytes, log: Log, loop):
        super().__init__(request, auth, None, loop)
        self.log = log

    def on_packet(self, packet: bytes, now: float) -> None:
        if packet[:2] == b"42":
            name, data = json.loads(packet[2:])[:2]
            if name == "stage":
                found = COUNT.search(data.get("html", ""))
                self.log.pushes.append((now, int(found.group(1)) if found else -1))
            return
        super().on_packet(packet, now)


def upgrade_request(host: str, port: int, cookies: dict) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return ("\r\n".join([
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
        "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
        f"Origin: http://{host}:{port}", "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items())])
            + "\r\n\r\n").encode("latin-1")


async def open_projector(host: str, port: int, code: str, cookies: dict, log: Log) -> Projector:
    loop = asyncio.get_running_loop()
    _, projector = await loop.create_connection(
        lambda: Projector(upgrade_request(host, port, cookies), json.dumps({"workshop": code}).encode(), log, loop),
        host, port)
    await asyncio.wait_for(projector.ready, 30)
    return projector


async def open_phone_socket(host: str, port: int, code: str, phone: Phone) -> SocketPhone:
    """The phone's live socket, as its page opens it: the room's size sets the push window."""
    loop = asyncio.get_running_loop()
    _, socket = await loop.create_connection(
        lambda: SocketPhone(upgrade_request(host, port, phone.cookies), json.dumps({"workshop": code}).encode(),
                            Receipts(1), loop), host, port)
    await asyncio.wait_for(socket.ready, 30)
    return socket


async def send_once(host: str, port: int, path: str, headers: dict, body: bytes) -> tuple[int | None, float]:
    """One try over a new connection (a phone on venue Wi-Fi): the status and Retry-After."""
    http = HttpConnection(host, port)
    try:
        answer = await asyncio.wait_for(http.request("POST", path, headers, body, retry=False), SEND_TIMEOUT)
        retry_after = dict(answer.headers).get("retry-after", "")
        return answer.status, float(retry_after) if retry_after.isdigit() else 0.0
    except (asyncio.TimeoutError, OSError, HttpError, asyncio.IncompleteReadError):
        return None, 0.0
    finally:
        http.close()


async def outbox(host, port, path, headers, body, client_id: str, log: Log, deadline: float) -> None:
    """One send, kept and tried again as the phone's outbox does until the server has it."""
    attempts, first = 0, time.monotonic()
    while time.monotonic() < deadline:
        began = time.monotonic()
        status, retry_after = await send_once(host, port, path, headers, body)
        log.answers.append((began, time.monotonic() - began, status))
        if status == 200:
            log.acknowledged[client_id] = (first, time.monotonic())
            return
        if status is not None and status not in RETRY_STATUSES:
            break
        attempts += 1
        wait = retry_after * (1 + random.random() / 2) if retry_after else \
            min(60.0, 2.0 ** attempts) * (0.5 + random.random())  # noqa: S311 - jitter
        await asyncio.sleep(min(wait, max(0.0, deadline - time.monotonic())))
    log.given_up.append(client_id)


async def offer(sends: list[tuple], moments: list[float], log: Log) -> float:
    """Open loop: send i leaves at moments[i] whatever the server does. Returns when the first left."""
    began = time.monotonic()
    deadline = began + SPREAD_SECONDS + 120
    tasks = []
    for moment, send in sorted(zip(moments, sends, strict=True), key=lambda pair: pair[0]):
        await asyncio.sleep(max(0.0, began + moment - time.monotonic()))
        tasks.append(asyncio.ensure_future(outbox(*send, log, deadline)))
    await asyncio.wait(tasks, timeout=max(1.0, deadline - time.monotonic()))
    return began


def send_figures(log: Log, began: float, sends: int) -> dict:
    acked = sorted(at for _, at in log.acknowledged.values())
    latencies = [at - first for first, at in log.acknowledged.values()]
    tries = [seconds for _, seconds, status in log.answers if status == 200]
    statuses: dict[str, int] = {}
    for _, _, status in log.answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    span = (acked[-1] - began) if acked else float("nan")
    return {"sends": sends, "acknowledged": len(acked), "given_up": len(log.given_up), "tries": statuses,
            "offered_per_s": round(sends / SPREAD_SECONDS, 1),
            "accepted_per_s": round(len(acked) / span, 1) if acked else 0.0,
            "last_acknowledged_after_s": round(span, 2),
            "answer_p50_ms": round(1000 * percentile(latencies, 0.5), 1),
            "answer_p99_ms": round(1000 * percentile(latencies, 0.99), 1),
            "answer_max_ms": round(1000 * max(latencies, default=float("nan")), 1),
            "try_p99_ms": round(1000 * percentile(tries, 0.99), 1),
            "tries_by_100ms": histogram(tries)}


def histogram(seconds: list[float]) -> dict[str, int]:
    """Accepted tries per 100 ms of their duration ("900" holds 900-999 ms): where the tail sits."""
    buckets: dict[str, int] = {}
    for value in sorted(seconds):
        key = str(100 * int(value * 10))
        buckets[key] = buckets.get(key, 0) + 1
    return buckets


def to_projector(log: Log, final_count: int) -> dict:
    """For the k-th acknowledged answer: from its acknowledgement to the first push showing >= k
    (0 when that push came before the answer reached the phone: the push follows the commit, and
    the phone's answer may still be on its way)."""
    acked = sorted(at for _, at in log.acknowledged.values())
    latencies, missed = [], 0
    for place, at in enumerate(acked, start=1):
        arrival = next((when for when, count in log.pushes if count >= place), None)
        if arrival is None:
            missed += 1
        else:
            latencies.append(max(0.0, arrival - at))
    final = next((when for when, count in log.pushes if count >= final_count), None)
    return {"pushes": len(log.pushes), "final_count_shown": max((c for _, c in log.pushes), default=0),
            "to_projector_p50_ms": round(1000 * percentile(latencies, 0.5), 1),
            "to_projector_p99_ms": round(1000 * percentile(latencies, 0.99), 1),
            # Signed: below 0 the projector had the final count before the last phone had its answer.
            "last_answer_to_final_bars_ms": round(1000 * (final - acked[-1]), 1)
            if final is not None and acked else None,
            "answers_never_on_projector": missed}


def stored_sqlite(database: Path, question_id: int) -> list[tuple[int, str]]:
    with sqlite3.connect(database, timeout=30) as connection:
        return connection.execute("SELECT participant_id, client_id FROM answers WHERE question_id = ?",
                                  (question_id,)).fetchall()


def stored_postgres(url: str, question_id: int) -> list[tuple[int, str]]:
    import psycopg
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT participant_id, client_id FROM answers WHERE question_id = %s",
                                  (question_id,)).fetchall()


def check_stored(rows: list[tuple[int, str]], log: Log) -> dict:
    """Every acknowledged answer stored exactly once (by its client_id), one answer per participant."""
    by_client: dict[str, int] = {}
    for _, client_id in rows:
        by_client[client_id] = by_client.get(client_id, 0) + 1
    participants = [participant for participant, _ in rows]
    return {"stored": len(rows), "lost": sum(1 for c in log.acknowledged if c not in by_client),
            "stored_twice": sum(1 for count in by_client.values() if count > 1)
            + len(participants) - len(set(participants)),
            "stored_unacknowledged": sum(1 for c in by_client if c not in log.acknowledged)}


async def app_cell(port: int, code: str, password: str, question_id: int, phones: int,
                   moments: list[float], pids) -> tuple[dict, Log]:
    host, log = "127.0.0.1", Log()
    people = [Phone(i) for i in range(phones)]
    semaphore = asyncio.Semaphore(50)

    async def joined(phone):
        async with semaphore:
            await join(host, port, code, phone, question_id)
    began = time.monotonic()
    await asyncio.gather(*(joined(phone) for phone in people))
    result = {"phones": phones, "join_s": round(time.monotonic() - began, 1),
              "joins_per_s": round(phones / (time.monotonic() - began), 1)}
    began, sockets = time.monotonic(), []
    for start in range(0, phones, 200):
        sockets += await asyncio.gather(*(open_phone_socket(host, port, code, phone)
                                          for phone in people[start:start + 200]))
    result["sockets_open_s"] = round(time.monotonic() - began, 1)
    projector = await open_projector(host, port, code, await login(host, port, DEMO_EMAIL, password), log)
    await asyncio.sleep(1.0)
    log.pushes.clear()
    run_id = os.urandom(3).hex()
    sends = [(host, port, f"/j/{code}/a/{question_id}", {
        **phone.headers(), "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"},
        urlencode({"csrf_token": phone.csrf, "option": phone.option,
                   "client_id": f"poll{run_id}n{phone.index}"}).encode(), f"poll{run_id}n{phone.index}")
        for phone in people]
    cpu0 = cpu_seconds(pids())
    started = await offer(sends, moments, log)
    answering_cpu = cpu_seconds(pids()) - cpu0
    settle = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < settle and max((c for _, c in log.pushes), default=0) < len(log.acknowledged):
        await asyncio.sleep(0.1)
    projector.close()
    result["phone_sockets_still_open"] = sum(1 for socket in sockets if socket.is_connected())
    for socket in sockets:
        socket.close()
    result.update(send_figures(log, started, phones))
    # Tries refused with 503 cost little; the accepted answers and the pushes cost the rest.
    result.update(answering_cpu_s=round(answering_cpu, 1),
                  cpu_ms_per_accepted_answer=round(1000 * answering_cpu / max(1, len(log.acknowledged)), 1))
    result.update(to_projector(log, len(log.acknowledged)))
    return result, log


def run_app(database: str, url: str, workdir: Path, phones: int, moments: list[float]) -> dict:
    env = app_env(url)
    flask_command(env, "db", "upgrade")
    code, password, question_id = prepare(env)
    server = Gunicorn(free_port(), env, workdir / f"app-{database}.log", cpus=SERVER_CORE)
    server.start()
    try:
        load, cpu0 = os.getloadavg(), cpu_seconds(server.worker_pids())
        result, log = asyncio.run(app_cell(server.port, code, password, question_id, phones, moments,
                                             server.worker_pids))
        result["server_cpu_s"] = round(cpu_seconds(server.worker_pids()) - cpu0, 1)
    finally:
        server.stop()
    rows = stored_sqlite(Path(url.removeprefix("sqlite:///")), question_id) if database == "sqlite" \
        else stored_postgres(url.replace("postgresql+psycopg://", "postgresql://"), question_id)
    result.update(check_stored(rows, log))
    result.update(kind="app", database=database, load_average_before=[round(v, 2) for v in load],
                  load_average_after=[round(v, 2) for v in os.getloadavg()])
    return result


def run_bare(database: str, url: str, workdir: Path, moments: list[float]) -> dict:
    target = str(workdir / "bare.sqlite3") if database == "sqlite" else url.replace("postgresql+psycopg://",
                                                                                     "postgresql://")
    server = Gunicorn(free_port(), app_env("sqlite://", BARE_DATABASE=target), workdir / f"bare-{database}.log",
                      app="bench.bare_insert:app", cpus=SERVER_CORE, ready_path="/")
    server.start()
    try:
        load, log = os.getloadavg(), Log()
        run_id = os.urandom(3).hex()
        sends = [("127.0.0.1", server.port, "/insert", {"Content-Type": "application/x-www-form-urlencoded"},
                  urlencode({"text": f"bare{run_id}n{i}"}).encode(), f"bare{run_id}n{i}") for i in range(len(moments))]
        started = asyncio.run(offer(sends, moments, log))
    finally:
        server.stop()
    if database == "sqlite":
        with sqlite3.connect(target, timeout=30) as connection:
            stored = connection.execute("SELECT count(*) FROM bare_suggestions WHERE text LIKE ?",
                                        (f"bare{run_id}n%",)).fetchone()[0]
    else:
        import psycopg
        with psycopg.connect(target) as connection:
            stored = connection.execute("SELECT count(*) FROM bare_suggestions WHERE text LIKE %s",
                                        (f"bare{run_id}n%",)).fetchone()[0]
    result = send_figures(log, started, len(moments))
    result.update(kind="bare insert", database=database, stored=stored, lost=len(log.acknowledged) - stored
                  if stored <= len(log.acknowledged) else 0, load_average_before=[round(v, 2) for v in load])
    return result


def markdown(results: dict) -> str:
    lines = ["# A poll of the room: every phone answers within 10 s", "",
             f"Mode `{results['mode']}`, {results['phones']} phones, one gunicorn gevent process (core 0), the client "
             f"on core 1. Load average at the start: {results['load_average']} (2 cores: a busy, shared machine; "
             "figures are lower bounds of what a quiet one gives).", "",
             "| server | database | offered/s | accepted/s | last ack after s | answer p50 / p99 ms | tries "
             "| acked / stored / lost / twice / unacked | to projector p50 / p99 ms | last answer → final bars ms "
             "| load avg |", "|---|---|--:|--:|--:|--:|---|---|--:|--:|---|"]
    for row in results["rows"]:
        app = row["kind"] == "app"
        check = (f"{row['acknowledged']} / {row['stored']} / {row['lost']} / {row.get('stored_twice', '')} / "
                 f"{row.get('stored_unacknowledged', '')}")
        lines.append(
            f"| {row['kind']} | {row['database']} | {row['offered_per_s']} | {row['accepted_per_s']} | "
            f"{row['last_acknowledged_after_s']} | {row['answer_p50_ms']} / {row['answer_p99_ms']} | {row['tries']} | "
            f"{check} | " + (f"{row['to_projector_p50_ms']} / {row['to_projector_p99_ms']}" if app else "–")
            + " | " + (str(row["last_answer_to_final_bars_ms"]) if app else "–")
            + f" | {row['load_average_before']} |")
    lines.append("")
    for row in results["rows"]:
        if row["kind"] == "app":
            lines.append(f"- app on {row['database']}: {row['phones']} phones joined in {row['join_s']} s "
                         f"({row['joins_per_s']}/s) and opened their sockets in {row['sockets_open_s']} s "
                         f"({row['phone_sockets_still_open']} still open at the end); {row['pushes']} projector pushes, the last showing "
                         f"{row['final_count_shown']} answers; server CPU {row['server_cpu_s']} s, of which "
                         f"{row.get('answering_cpu_s')} s while answering ({row.get('cpu_ms_per_accepted_answer')} ms "
                         f"per accepted answer); answers never "
                         f"shown on the projector: {row['answers_never_on_projector']}; given up: {row['given_up']}.")
    return "\n".join(lines) + "\n"


def plot(results: dict, path: Path) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    rows = results["rows"]
    labels = [f"{row['kind']}\n{row['database']}" for row in rows]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.bar(labels, [row["accepted_per_s"] for row in rows], color="#4a7")
    left.axhline(rows[0]["offered_per_s"], color="#a44", linestyle="--", label="offered")
    left.set_ylabel("answers accepted per second")
    left.legend()
    right.bar(labels, [row["answer_p99_ms"] for row in rows], color="#47a", label="answer p99")
    apps = [(i, row) for i, row in enumerate(rows) if row["kind"] == "app"]
    right.scatter([i for i, _ in apps], [row["last_answer_to_final_bars_ms"] or 0 for _, row in apps],
                  color="#a44", zorder=3, label="last answer → final bars")
    right.set_ylabel("ms")
    right.legend()
    figure.suptitle(f"{results['phones']} phones answer within 10 s (load average {results['load_average'][0]})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 phones instead of 2,000")
    parser.add_argument("--phones", type=int, default=0)
    parser.add_argument("--databases", default="sqlite")
    args = parser.parse_args(argv)
    stop_on_signals()
    os.sched_setaffinity(0, CLIENT_CORE)
    phones = args.phones or (300 if args.quick else 2000)
    moments = [random.uniform(0, SPREAD_SECONDS) for _ in range(phones)]  # noqa: S311 - a spread, not a secret
    results = {"mode": "quick" if args.quick else "full", "phones": phones,
               "load_average": [round(v, 2) for v in os.getloadavg()], "rows": []}
    with tempfile.TemporaryDirectory(prefix="poll-") as folder:
        workdir = Path(folder)
        for database in args.databases.split(","):
            with database_url_for(database, workdir, postgres_admin_url() if database != "sqlite" else None) as url:
                if url is None:
                    continue
                results["rows"].append(run_app(database, url, workdir, phones, moments))
                print(json.dumps(results["rows"][-1]), flush=True)
                results["rows"].append(run_bare(database, url, workdir, moments))
                print(json.dumps(results["rows"][-1]), flush=True)
    stem = RESULTS / f"poll-{results['mode']}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    stem.with_suffix(".md").write_text(markdown(results))
    plot(results, stem.with_suffix(".png"))
    print(markdown(results))
    ok = all(row["lost"] == 0 and row.get("stored_twice", 0) == 0 for row in results["rows"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
