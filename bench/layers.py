"""Where a suggestion's CPU goes, layer by layer, next to the bare insert endpoint.

    .venv/bin/python -m bench.layers                 # 300 phones, best of 4 rounds

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
only. CPU time (``time.process_time``) per request, best of the rounds. Writes
bench/results/layers.{md,json,png}.
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
    return parser.parse_args(argv)


def build(workdir: Path):
    """The bare endpoint and the app, each on its own database in ``workdir``."""
    os.environ.update(DATABASE_URL=f"sqlite:///{workdir}/app.sqlite3", SOCKETIO_ASYNC_MODE="threading",
                      BARE_DATABASE=str(workdir / "bare.sqlite3"))
    from flask_migrate import upgrade

    from bench.bare_insert import app as bare
    from facilitator import create_app
    from facilitator.services.demo import create_demo
    from facilitator.infra.extensions import db
    from facilitator.infra.limits import suggestion_limits
    from facilitator.web.participant import load_workshop, require_participant

    app = create_app()
    minimal = minimal_csrf_app(workdir / "minimal.sqlite3")

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


def minimal_csrf_app(path: Path):
    """The bare insert endpoint plus a signed session and Flask-WTF's CSRF check, nothing else."""
    from flask import Flask, request
    from flask_wtf.csrf import CSRFProtect, generate_csrf

    from bench.bare_insert import open_sqlite

    app = Flask("minimal")
    app.secret_key = "bench-only"  # noqa: S105 - a throwaway app in this process
    CSRFProtect(app)
    connection, insert = open_sqlite(str(path))
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


def markdown(rows: list[dict], phones: int, rounds: int) -> str:
    lines = [
        "# Where a send's CPU goes (`python -m bench.layers`)", "",
        f"In one process with Flask's test client, {phones} phones, best of {rounds} rounds; CPU ms per "
        "request. `× bare` is the bare insert's CPU divided by the layer's: what the issue's "
        "\"accepted suggestions ≥ 0.5 × a bare insert\" asks of the whole send.", "",
        "| layer | CPU ms per request | × bare |", "|---|--:|--:|",
    ]
    lines += [f"| {row['layer']} | {row['cpu_ms']:.2f} | {row['of_bare']:.2f} |" for row in rows]
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
        bare, minimal, app, code = build(Path(folder))
        joined, question_id = join(app, code, args.phones)
        best = measure(bare, minimal, code, joined, question_id, args.rounds)
    rows = [{"layer": label, "key": name, "cpu_ms": round(best[name], 3),
             "of_bare": round(best["bare"] / best[name], 3)} for name, label in LAYERS]
    text = markdown(rows, args.phones, args.rounds)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "layers.md").write_text(text)
    (args.out / "layers.json").write_text(json.dumps(rows, indent=2) + "\n")
    plot(rows, args.out / "layers.png")
    print(f"wrote {args.out}/layers.md, layers.json, layers.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
