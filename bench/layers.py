"""Where a suggestion's CPU goes, layer by layer, next to the bare insert endpoint.

    .venv/bin/python -m bench.layers                 # 300 phones, best of 4 rounds
    .venv/bin/python -m bench.layers --database postgresql://postgres@127.0.0.1/test

In one process, with Flask's test client (no server, no network, no sockets): the bare
insert endpoint (bench/bare_insert.py) and the app on a temporary SQLite file in WAL mode,
through endpoints that each add one layer of what the real send does:

0. the bare insert with only Flask's session cookie and Flask-WTF's CSRF check (a minimal
   Flask app: the least any Flask endpoint that checks CSRF pays);
1. the app's request: session cookie, CSRF check, security headers, compression check;
2. plus the send's two rate limits;
3. plus finding the workshop by its code and the participant by the phone's cookie;
4. the real send (``POST /j/CODE/q/QUESTION`` as a phone with JavaScript sends it).

Layers 1–3 are routes registered on this process's own app instance, for the measurement
only. CPU time (``time.process_time``) per request, best of the rounds.

Then the complete join as a person does it (issue #17): GET the join page, POST the join form,
GET the room, each by a new phone, against the floor for the same number of requests (the
minimal app: GET a CSRF token into a fresh session, POST it with one insert, GET again). The
socket's connect is not in it (Flask's test client opens no Engine.IO transport).

``--database postgresql://…/db`` runs the app, the floor and the bare insert on PostgreSQL:
each in a database of its own made on that server for the run and dropped after. Writes
bench/results/layers[-postgresql].{md,json,png}.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
QUESTION = re.compile(r'/q/(\d+)')

LAYERS = [
    ("bare", "bare Flask insert (the yardstick)"),
    ("csrf", "bare Flask insert + session cookie + CSRF check (Flask-WTF)"),
    ("request", "app: a POST that does nothing (session, CSRF, headers)"),
    ("limited", "+ the send's two rate limits"),
    ("identified", "+ find the workshop and the participant"),
    ("send", "app: the real send (htmx)"),
]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=300, help="participants, each sending once a round")
    parser.add_argument("--rounds", type=int, default=4, help="rounds; the best is reported")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for layers.{md,json,png}")
    parser.add_argument("--database", default="sqlite",
                        help="sqlite (a temporary file, the default) or a postgresql:// server URL")
    parser.add_argument("--joins", type=int, default=100, help="new phones joining per round")
    return parser.parse_args(argv)


class Databases:
    """Where the app, the bare insert and the floor store: SQLite files in a folder, or
    databases of their own on a PostgreSQL server, made for the run and dropped after."""

    def __init__(self, database: str, workdir: Path) -> None:
        self.workdir, self.server, self.made = workdir, None, []
        if database.startswith(("postgres://", "postgresql")):
            self.server = database.replace("postgresql+psycopg://", "postgresql://")

    def url(self, name: str) -> str:
        if self.server is None:
            return f"sqlite:///{self.workdir}/{name}.sqlite3" if name == "app" else str(self.workdir / f"{name}.sqlite3")
        import psycopg
        database = f"bench_layers_{os.getpid()}_{name}"
        with psycopg.connect(self.server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
            admin.execute(f'CREATE DATABASE "{database}"')
        self.made.append(database)
        return self.server.rsplit("/", 1)[0] + "/" + database

    def drop(self) -> None:
        if not self.made:
            return
        import psycopg
        with psycopg.connect(self.server, autocommit=True) as admin:
            for database in self.made:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def build(databases: Databases):
    """The bare endpoint and the app, each on its own database."""
    os.environ.update(DATABASE_URL=databases.url("app"), SOCKETIO_ASYNC_MODE="threading",
                      BARE_DATABASE=databases.url("bare"))
    from flask_migrate import upgrade

    from bench.bare_insert import app as bare
    from facilitator import create_app
    from facilitator.services.demo import create_demo
    from facilitator.infra.extensions import db
    from facilitator.web.limits import suggestion_limits
    from facilitator.web.participant import load_workshop, require_participant

    app = create_app()
    minimal = minimal_csrf_app(databases.url("minimal"))

    def nothing(code):
        return "ok"

    def identified(code):
        require_participant(load_workshop(code))
        return "ok"

    def limited(view):
        return suggestion_limits[0](suggestion_limits[1](view))

    app.add_url_rule("/layer/request/<code>", "layer_request", nothing, methods=["POST"])
    app.add_url_rule("/layer/limited/<code>", "layer_limited", limited(nothing), methods=["POST"])
    app.add_url_rule("/layer/identified/<code>", "layer_identified", limited(identified), methods=["POST"])
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        code = create_demo().join_code
        db.session.commit()
    return bare, minimal, app, code


def minimal_csrf_app(where: str):
    """The bare insert endpoint plus a signed session and Flask-WTF's CSRF check, nothing else."""
    from flask import Flask, request
    from flask_wtf.csrf import CSRFProtect, generate_csrf

    from bench.bare_insert import open_postgres, open_sqlite

    app = Flask("minimal")
    app.secret_key = "bench-only"  # noqa: S105 - a throwaway app in this process
    CSRFProtect(app)
    connection, insert = (open_postgres if where.startswith("postgresql") else open_sqlite)(where)
    app.add_url_rule("/token", "token", generate_csrf)

    def stored():
        connection.execute(insert, (request.form["text"],))
        return "stored", 200
    app.add_url_rule("/insert", "insert", stored, methods=["POST"])
    return app


def join(app, code: str, phones: int) -> tuple[list, int]:
    """``phones`` participants with their own cookies and CSRF tokens; the open question's id."""
    joined = []
    for index in range(phones):
        client = app.test_client()
        token = CSRF.search(client.get(f"/j/{code}").text).group(1)
        answer = client.post(f"/j/{code}/join", data={"csrf_token": token, "display_name": f"Bench {index}"})
        assert answer.status_code == 303, answer.status_code
        joined.append((client, token))
    question_id = int(QUESTION.search(joined[0][0].get(f"/j/{code}").text).group(1))
    return joined, question_id


def measure(bare, minimal, code: str, joined: list, question_id: int, rounds: int) -> dict[str, float]:
    """CPU ms per request for each layer, best of ``rounds`` (every phone sends once a round)."""
    bare_client = bare.test_client()
    minimal_client = minimal.test_client()
    minimal_token = minimal_client.get("/token").text
    best = {name: float("inf") for name, _ in LAYERS}
    for round_ in range(rounds):
        for name, _ in LAYERS:
            started = time.process_time()
            for index, (client, token) in enumerate(joined):
                form = {"text": f"Forslag {round_}-{name}-{index}", "client_id": f"{round_}{name}{index}"}
                headers = {"HX-Request": "true", "X-CSRFToken": token}
                if name == "bare":
                    answer = bare_client.post("/insert", data=form)
                elif name == "csrf":
                    answer = minimal_client.post("/insert", data=form, headers={"X-CSRFToken": minimal_token})
                elif name == "send":
                    answer = client.post(f"/j/{code}/q/{question_id}", data=form, headers=headers)
                else:
                    answer = client.post(f"/layer/{name}/{code}", data=form, headers=headers)
                assert answer.status_code == 200, (name, answer.status_code)
            best[name] = min(best[name], 1000 * (time.process_time() - started) / len(joined))
    return best


JOIN_STEPS = [
    ("join_page", "GET the join page"),
    ("join_post", "POST the join form"),
    ("room", "GET the room"),
]


def measure_joins(app, minimal, code: str, joiners: int, rounds: int) -> dict[str, float]:
    """CPU ms per step of a complete join (each by a new phone), and of the floor's GET, POST,
    GET by a new client; best of ``rounds`` for each step."""
    best = {name: float("inf") for name in ("join_page", "join_post", "room", "floor_get", "floor_post")}
    for round_ in range(rounds):
        spent = dict.fromkeys(best, 0.0)
        for index in range(joiners):
            client = app.test_client()
            started = time.process_time()
            page = client.get(f"/j/{code}")
            spent["join_page"] += time.process_time() - started
            token = CSRF.search(page.text).group(1)
            started = time.process_time()
            answer = client.post(f"/j/{code}/join", data={"csrf_token": token, "display_name": f"J{round_}-{index}"})
            spent["join_post"] += time.process_time() - started
            assert answer.status_code == 303, answer.status_code
            started = time.process_time()
            room = client.get(f"/j/{code}")
            spent["room"] += time.process_time() - started
            assert room.status_code == 200 and "/q/" in room.text, room.status_code

            floor = minimal.test_client()
            started = time.process_time()
            floor_token = floor.get("/token").text
            spent["floor_get"] += time.process_time() - started
            started = time.process_time()
            stored = floor.post("/insert", data={"text": f"J{round_}-{index}"}, headers={"X-CSRFToken": floor_token})
            spent["floor_post"] += time.process_time() - started
            assert stored.status_code == 200, stored.status_code
        for name, seconds in spent.items():
            best[name] = min(best[name], 1000 * seconds / joiners)
    return best


def join_rows(best: dict[str, float]) -> list[dict]:
    rows = [{"step": label, "key": name, "cpu_ms": round(best[name], 3)} for name, label in JOIN_STEPS]
    join_ms = sum(best[name] for name, _ in JOIN_STEPS)
    floor_ms = 2 * best["floor_get"] + best["floor_post"]
    rows.append({"step": "complete join (without the socket)", "key": "complete_join", "cpu_ms": round(join_ms, 3)})
    rows.append({"step": "floor: GET + POST + GET (session, CSRF, one insert)", "key": "join_floor",
                 "cpu_ms": round(floor_ms, 3)})
    rows.append({"step": "complete join ÷ floor", "key": "join_of_floor", "ratio": round(join_ms / floor_ms, 2)})
    rows.append({"step": "complete joins per second of one core", "key": "joins_per_cpu_second",
                 "rate": round(1000 / join_ms)})
    return rows


def markdown(rows: list[dict], phones: int, rounds: int) -> str:
    lines = [
        "# Where a send's CPU goes (`python -m bench.layers`)", "",
        f"In one process with Flask's test client, {phones} phones, best of {rounds} rounds; CPU ms per "
        "request. `× bare` is the bare insert's CPU divided by the layer's: what the issue's "
        "\"accepted suggestions ≥ 0.5 × a bare insert\" asks of the whole send.", "",
        "| layer | CPU ms per request | × bare |", "|---|--:|--:|",
    ]
    lines += [f"| {row['layer']} | {row['cpu_ms']:.2f} | {row['of_bare']:.2f} |" for row in rows]
    by_key = {row["key"]: row["cpu_ms"] for row in rows}
    lines += ["", f"Send ÷ floor (session + CSRF + insert): **{by_key['send'] / by_key['csrf']:.1f}×** "
              "(issue #17's target: ≤ 3×)."]
    return "\n".join(lines) + "\n"


def join_markdown(rows: list[dict], joiners: int, rounds: int) -> str:
    lines = ["", "## A complete join", "",
             f"{joiners} new phones a round, best of {rounds} rounds per step; CPU ms per request.", "",
             "| step | CPU ms |", "|---|--:|"]
    for row in rows:
        if "cpu_ms" in row:
            lines.append(f"| {row['step']} | {row['cpu_ms']:.2f} |")
        elif "ratio" in row:
            lines.append(f"| **{row['step']}** (target ≤ 3×) | **{row['ratio']:.1f}×** |")
        else:
            lines.append(f"| {row['step']} | {row['rate']} |")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 3.6))
    labels = [row["layer"] for row in rows][::-1]
    axis.barh(labels, [row["cpu_ms"] for row in rows][::-1], color="#4c72b0")
    axis.axvline(2 * rows[0]["cpu_ms"], color="#c44e52", linestyle="--", label="0.5 × bare: the target for the whole send")
    axis.set_xlabel("CPU ms per request (in-process)")
    axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.disable(logging.INFO)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-layers-") as folder:
        databases = Databases(args.database, Path(folder))
        try:
            bare, minimal, app, code = build(databases)
            joined, question_id = join(app, code, args.phones)
            best = measure(bare, minimal, code, joined, question_id, args.rounds)
            joins = join_rows(measure_joins(app, minimal, code, args.joins, args.rounds))
            with app.app_context():
                from facilitator.infra.extensions import db
                db.engine.dispose()
        finally:
            databases.drop()
    rows = [{"layer": label, "key": name, "cpu_ms": round(best[name], 3),
             "of_bare": round(best["bare"] / best[name], 3)} for name, label in LAYERS]
    kind = "sqlite" if databases.server is None else "postgresql"
    text = markdown(rows, args.phones, args.rounds).replace(
        "(`python -m bench.layers`)", f"(`python -m bench.layers`, {kind})") + join_markdown(joins, args.joins, args.rounds)
    print(text)
    stem = "layers" if kind == "sqlite" else "layers-postgresql"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.md").write_text(text)
    (args.out / f"{stem}.json").write_text(json.dumps({"database": kind, "send_layers": rows, "complete_join": joins},
                                                     indent=2) + "\n")
    plot(rows, args.out / f"{stem}.png")
    print(f"wrote {args.out}/{stem}.md, {stem}.json, {stem}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
