"""The benchmark, in one command: the app against the bare libraries it stands on.

    .venv/bin/python -m bench.run --quick     # smoke: about 6 minutes
    .venv/bin/python -m bench.run             # the full matrix: about 40 minutes

Writes bench/results/latest.{json,md,png} (and a copy named after the mode,
quick.* or full.*); bench/README.md says what every number means. Every
server, nginx, Redis and load client it starts is stopped before it returns,
also on errors and Ctrl+C; every loop is bounded in count and time; all
traffic goes to 127.0.0.1.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from deploy.run_local_cluster import (
    PYTHON, ROOT, Gunicorn, LocalCluster, TemporaryDatabase, app_env, flask_command, free_port,
    pin, postgres_admin_url, stop_on_signals, stop_process,
)

from . import report

RESULTS = ROOT / "bench" / "results"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SERVER_CORE, CLIENT_CORE = {0}, {1}


@dataclass
class Plan:
    mode: str
    # Phones in the room -> suggestions per second to send to it, one cell each.
    cells: dict[int, list[float]]
    duration: float
    cluster_cells: dict[int, list[float]]
    processes: list[int]
    held_phones: int | None
    held_rate: float
    throughput_seconds: float
    burst_phones: int | None = None
    throughput_senders: int = 50   # requests in flight
    throughput_phones: int = 400   # phones taking turns (the per-participant limit)
    senders: int = 50
    drain: float = 20.0
    # Seconds, over the whole run, that cells may wait for other processes to leave the CPU alone.
    quiet_budget: float = 0.0
    send_mode: str = "htmx"
    databases: list[str] = field(default_factory=lambda: ["sqlite", "postgresql"])
    # bench.overload: 3x capacity for overload_seconds, then a fraction of it for as long, once for
    # each fraction: 0.5 (the "normal load") and 0.25 (the proposed restatement).
    overload: bool = True
    overload_phones: int = 1200
    overload_seconds: float = 30
    overload_capacity_seconds: float = 8
    overload_after: tuple[float, ...] = (0.5, 0.25)
    # bench.layers: CPU per request of the send and the join against their floors.
    layers: bool = True
    layers_phones: int = 300
    layers_rounds: int = 4


# The quick run's overload is a third as long as the (10 s, then 10 s), so its backlog is a
# third too: its pass/fail marks say that the cell works, not that the 30 s targets are met.
QUICK = Plan(mode="quick", cells={200: [10]}, duration=6, cluster_cells={200: [10]},
             processes=[2], held_phones=None, held_rate=5, throughput_seconds=4, burst_phones=200, drain=10,
             overload_phones=400, overload_seconds=10, overload_capacity_seconds=4,
             layers_phones=100, layers_rounds=2)
# The targets are the 2,000-phone cells: 10/s (against the bare server) and 100/s (five
# times what per-message broadcasting carries, met by coalescing). A seminar of 36 never sends
# 100 a second (nor could it: 20 a minute per phone), so its cells are the rates it does send.
FULL = Plan(mode="full", cells={36: [5, 20], 500: [10, 20], 2000: [10, 20, 100]}, duration=12,
            cluster_cells={2000: [10, 20, 100]}, processes=[1, 2, 3],
            held_phones=4000, held_rate=5, throughput_seconds=8, burst_phones=2000, drain=15)


# --- measuring processes ------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            continue
    return total / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK_TICKS


def pids_named(name: str) -> list[int]:
    """Processes with this command name (PostgreSQL's backends are not ours, but are part of the load)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


class LoadClient:
    """bench.loadgen in its own process (pinned to the client core), one JSON line per command."""

    def __init__(self, log_path: Path, cpus=CLIENT_CORE):
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen([PYTHON, "-m", "bench.loadgen"], cwd=ROOT, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.log, text=True,
                                        preexec_fn=pin(cpus))

    def call(self, timeout: float = 300, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError(f"load client gave no answer to {command['cmd']} in {timeout} s")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"load client exited ({self.process.poll()}); see {self.log.name}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"load client: {command['cmd']} failed: {answer['error']}")
        return answer

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.stdin.write('{"cmd": "quit"}\n')
                self.process.stdin.flush()
                self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        stop_process(self.process, timeout=5)
        self.log.close()

    def __enter__(self) -> "LoadClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- the servers under test -----------------------------------------------------------


class Target:
    """A server set-up under test: where phones connect, which processes to measure."""

    name = ""
    kind = "app"
    processes = 1
    database = ""
    url = ""

    def pids(self) -> list[int]:
        raise NotImplementedError

    def other_pids(self) -> dict[str, list[int]]:
        """Helpers whose CPU is reported beside the app's (nginx, Redis)."""
        return {}

    def new_workshop(self) -> str:
        return ""


class OneServer(Target):
    """A target that is one gunicorn process (``self.server``), started and stopped with it."""

    server: Gunicorn

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop()

    def pids(self):
        return self.server.worker_pids()


class Baseline(OneServer):
    kind, name, database = "baseline", "bare python-socketio", "bare"

    def __init__(self, workdir: Path):
        self.server = Gunicorn(free_port(), app_env("sqlite://"), workdir / "baseline.log",
                               app="bench.baseline:app", cpus=SERVER_CORE, ready_path="/")
        self.url = self.server.url


class SingleApp(OneServer):
    """The app as `make run` serves it: one gunicorn gevent process, clients straight to it."""

    def __init__(self, database: str, database_url: str, workdir: Path):
        self.database, self.name = database, f"app, {database}, 1 process"
        self.env = app_env(database_url)
        self.server = Gunicorn(free_port(), self.env, workdir / f"app-{database}.log", cpus=SERVER_CORE)
        self.url = self.server.url

    def __enter__(self):
        flask_command(self.env, "db", "upgrade")
        return super().__enter__()

    def new_workshop(self) -> str:
        return new_demo(self.env)


def new_demo(env: dict, attempts: int = 4) -> str:
    """A fresh demo workshop; its join code. Retried: after a burst the server may still be
    writing the backlog, and SQLite makes another process's writer wait (or give up)."""
    for attempt in range(1, attempts + 1):
        try:
            return flask_command(env, "demo").strip().splitlines()[-1]
        except RuntimeError:
            if attempt == attempts:
                raise
            time.sleep(10)
    raise AssertionError("unreachable")


class ClusterApp(Target):
    """nginx in front of N app processes sharing PostgreSQL and a Redis message queue."""

    def __init__(self, processes: int, database_url: str, workdir: Path):
        self.processes, self.database = processes, "postgresql"
        self.name = f"app, postgresql, {processes} process{'es' if processes > 1 else ''} + nginx + Redis"
        # One process alone is pinned like SingleApp; several share both cores with the client.
        self.cluster = LocalCluster(processes, database_url, workdir / f"cluster-{processes}",
                                    app_cpus=SERVER_CORE if processes == 1 else None,
                                    access_log=False, message_queue=True)
        self.url = self.cluster.url

    def __enter__(self):
        flask_command(self.cluster.env, "db", "upgrade")
        self.cluster.start()
        return self

    def __exit__(self, *exc):
        self.cluster.stop()

    def pids(self):
        return [pid for app in self.cluster.apps for pid in app.worker_pids()]

    def other_pids(self):
        pids = {"nginx": self.cluster.nginx.pids()}
        if self.cluster.redis is not None and self.cluster.redis.process is not None:
            pids["redis"] = [self.cluster.redis.process.pid]
        return pids

    def new_workshop(self) -> str:
        return new_demo(self.cluster.env)


# --- one cell of the matrix -----------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Counter:
    """Message numbers, unique over the whole run (receipts are indexed by them)."""

    def __init__(self):
        self.next = 1

    def take(self, count: int) -> int:
        first = self.next
        self.next += count
        return first


def run_group(target: Target, phones: int, rates: list[float], plan: Plan, counter: Counter,
              workdir: Path, log, scenario: str = "steady") -> list[dict]:
    """Join and connect ``phones`` phones once, then send at each rate in turn.

    The "burst" scenario is everyone sending at once: every phone sends one
    suggestion within one second, each over its own HTTP connection.
    """
    code = target.new_workshop()
    burst = scenario == "burst"
    rows = []
    with LoadClient(workdir / "loadgen.log") as client:
        setup = client.call(cmd="setup", url=target.url, kind=target.kind, phones=phones,
                            senders=phones if burst else senders_for(phones, rates, plan), code=code,
                            capacity=400_000, limit=300, timeout=330)
        log(f"  {phones} phones: " + ", ".join(f"{k}={v}" for k, v in setup.items()))
        if setup["connected"] < phones:
            raise RuntimeError(f"only {setup['connected']} of {phones} phones connected")
        for rate in rates:
            row = measured_cell(client, target, setup, rate, 1.0 if burst else plan.duration, plan,
                                counter, log)
            row["scenario"] = scenario
            rows.append(row)
            log("    " + report.one_line(rows[-1]))
    wait_until_idle(target.pids(), 60)
    return rows


def wait_until_idle(pids: list[int], limit: float, threshold: float = 0.2) -> None:
    """Let the server finish a backlog (after a burst, say) before the next group starts."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = cpu_seconds(pids)
        time.sleep(1)
        if cpu_seconds(pids) - before < threshold * max(1, len(pids)):
            return


# The app lets one participant send 20 suggestions a minute (facilitator/web/limits.py); spread
# the sends over enough phones that the limiter is not what we measure.
PER_PHONE_PER_MINUTE = 10


def senders_for(phones: int, rates: list[float], plan: Plan) -> int:
    return min(phones, max(plan.senders, int(max(rates) * 60 / PER_PHONE_PER_MINUTE)))


BACKGROUND_LIMIT = 25.0  # % of a core used by others during a cell before it is measured again


def measured_cell(client, target, setup, rate, duration, plan: Plan, counter: Counter, log) -> dict:
    """One cell, on a quiet machine if the run may wait for one, measured again once if disturbed."""
    for attempt in (1, 2):
        if plan.quiet_budget > 0:
            started = time.monotonic()
            wait_until_quiet(min(60.0, plan.quiet_budget), log, threshold=15.0, window=2.0, verbose=False)
            plan.quiet_budget -= time.monotonic() - started
        row = run_cell(client, target, setup, rate, duration, plan, counter)
        row["attempts"] = attempt
        if row["background_cpu_pct"] <= BACKGROUND_LIMIT or plan.quiet_budget <= 0 or attempt == 2:
            return row
        log(f"    (other processes used {row['background_cpu_pct']} % of a core meanwhile: once more)")
    return row


def run_cell(client: LoadClient, target: Target, setup: dict, rate: float, duration: float, plan: Plan,
             counter: Counter) -> dict:
    total = int(rate * duration)
    first = counter.take(total)
    pids = target.pids()
    others = {**target.other_pids(), "loadgen": [client.process.pid], "postgres": pids_named("postgres")}
    cpu0, others0, wall0 = cpu_seconds(pids), {k: cpu_seconds(v) for k, v in others.items()}, time.monotonic()
    busy0 = machine_busy_seconds()
    sent = client.call(cmd="send", rate=rate, duration=duration, first=first,
                       mode=plan.send_mode, limit=45, timeout=duration + 75)
    receipts = client.call(cmd="report", first=first, last=first + total - 1, expect=setup["connected"],
                           wait=plan.drain, timeout=plan.drain + 30)
    wall = time.monotonic() - wall0
    row = summarise(target, setup, rate, sent, receipts, first, (cpu_seconds(pids) - cpu0) / wall, rss_mb(pids))
    accounted = row["server_cpu_pct"]
    for name, their_pids in others.items():
        row[f"{name}_cpu_pct"] = round(100 * (cpu_seconds(their_pids) - others0[name]) / wall, 1)
        accounted += row[f"{name}_cpu_pct"]
    # Anything else busy on the machine meanwhile (another test run, say) skews the numbers.
    row["machine_cpu_pct"] = round(100 * (machine_busy_seconds() - busy0) / wall, 1)
    row["background_cpu_pct"] = round(max(0.0, row["machine_cpu_pct"] - accounted), 1)
    return row


def summarise(target, setup, rate, sent, receipts, first, cpu_share, rss) -> dict:
    phones = setup["connected"]
    latencies, lost, lost_deliveries, http_ms = [], 0, 0, []
    for key, (t_send, t_ack) in sent["sends"].items():
        index = int(key) - first
        got = receipts["count"][index]
        http_ms.append(1000 * (t_ack - t_send))
        if got < phones:
            lost += 1
            lost_deliveries += phones - got
        else:
            latencies.append(1000 * (receipts["last"][index] - t_send))
    row = {
        "config": target.name, "kind": target.kind, "processes": target.processes,
        "database": target.database, "phones": setup["phones"], "rate": rate,
        "p50_ms": rnd(percentile(latencies, 0.50)), "p95_ms": rnd(percentile(latencies, 0.95)),
        "p99_ms": rnd(percentile(latencies, 0.99)), "max_ms": rnd(max(latencies, default=float("nan"))),
        "lost": lost, "lost_deliveries": lost_deliveries,
        "baseline_p99_ms": None, "ratio": None,
        "server_rss_mb": rss, "server_cpu_pct": round(100 * cpu_share, 1),
        "client_cpu_pct": round(100 * sent["client_cpu_s"] / max(sent["send_wall_s"], 0.001), 1),
        "sent": sent["sent"], "acked": sent["acked"], "send_errors": sent["errors"],
        "http_p50_ms": rnd(percentile(http_ms, 0.5)), "http_p99_ms": rnd(percentile(http_ms, 0.99)),
        "send_lag_max_ms": sent["lag_ms_max"],
        "joins_per_s": setup.get("joins_per_s"), "connects_per_s": setup.get("connects_per_s"),
        "foreign": receipts["foreign"],
    }
    row["saturated"] = bool(lost or sent["errors"] or sent["lag_ms_max"] > 250)
    return row


def rnd(value: float) -> float | None:
    return None if value != value else round(value, 1)


# --- throughput against the bare insert endpoint -------------------------------------


def throughput(plan: Plan, database: str, database_url: str, target: SingleApp, workdir: Path, log) -> list[dict]:
    """Accepted suggestions/s, back to back from many phones: the real endpoint vs a bare insert."""
    rows = []
    bare_env = app_env("sqlite://", BARE_DATABASE=(str(workdir / "bare.sqlite3") if database == "sqlite"
                                                  else database_url))
    bare = Gunicorn(free_port(), bare_env, workdir / f"bare-{database}.log", app="bench.bare_insert:app",
                    cpus=SERVER_CORE, ready_path="/")
    try:
        bare.start()
        with LoadClient(workdir / "loadgen.log") as client:
            client.call(cmd="bare_senders", url=bare.url, senders=plan.throughput_senders)
            cpu0 = cpu_seconds(bare.worker_pids())
            result = client.call(cmd="throughput", duration=plan.throughput_seconds, mode="bare",
                                 path="/insert", timeout=plan.throughput_seconds + 120)
            result["server_cpu_ms_per_request"] = per_request(cpu_seconds(bare.worker_pids()) - cpu0, result)
        rows.append({"database": database, "endpoint": "bare Flask insert", "processes": 1, **result})
    finally:
        bare.stop()
    rows += app_throughput(plan, target, workdir, log, ["htmx", "form"])
    bare_rate = rows[0]["accepted_per_s"] or 1
    for row in rows:
        row["vs_bare"] = round(row["accepted_per_s"] / bare_rate, 2)
        log(f"  throughput {database}: {row['endpoint']}: {row['accepted_per_s']}/s ({row['vs_bare']}x)")
    return rows


def per_request(cpu: float, result: dict) -> float | None:
    """Server CPU per accepted request: unlike requests/s, barely moved by other load on the machine."""
    return round(1000 * cpu / result["accepted"], 2) if result["accepted"] else None


MODE_LABELS = {"htmx": "phone with JavaScript (htmx)", "form": "plain form"}


def app_throughput(plan: Plan, target: Target, workdir: Path, log, modes: list[str]) -> list[dict]:
    """The real endpoint, back to back, on a fresh workshop per mode (its room starts empty)."""
    rows = []
    for mode in modes:
        code = target.new_workshop()
        with LoadClient(workdir / "loadgen.log") as client:
            client.call(cmd="setup", url=target.url, kind="app", phones=plan.throughput_phones,
                        senders=plan.throughput_phones, code=code, connect=False, limit=180)
            cpu0 = cpu_seconds(target.pids())
            result = client.call(cmd="throughput", duration=plan.throughput_seconds, mode=mode,
                                 concurrency=plan.throughput_senders, timeout=plan.throughput_seconds + 120)
            result["server_cpu_ms_per_request"] = per_request(cpu_seconds(target.pids()) - cpu0, result)
        label = f"app, {target.processes} process{'es' if target.processes > 1 else ''}" + \
            (" + nginx" if isinstance(target, ClusterApp) else "") + f", {MODE_LABELS[mode]}"
        rows.append({"database": target.database, "endpoint": label, "processes": target.processes, **result})
        if isinstance(target, ClusterApp):
            log(f"  throughput: {label}: {result['accepted_per_s']}/s")
    return rows


# --- the whole run ----------------------------------------------------------------------


def run(plan: Plan, workdir: Path, log, results: dict, save) -> None:
    """The whole matrix, then the CPU against the floor and the overload; ``results`` fills as it goes and ``save()`` writes what is there so far,
    so that a run stopped half way still leaves its tables."""
    counter = Counter()
    rows: list[dict] = results.setdefault("rows", [])
    throughput_rows: list[dict] = results.setdefault("throughput", [])
    pg_admin = postgres_admin_url() if "postgresql" in plan.databases else None
    if "postgresql" in plan.databases and pg_admin is None:
        log("PostgreSQL is not reachable: its rows are left out")

    held = [plan.held_phones] if plan.held_phones else []
    log(f"== {Baseline.name}")
    with Baseline(workdir) as target:
        cells = sorted({(p, r) for grid in (plan.cells, plan.cluster_cells) for p, rates in grid.items()
                        for r in rates})
        for phones in sorted({p for p, _ in cells}):
            rows += run_group(target, phones, sorted({r for p, r in cells if p == phones}), plan, counter, workdir, log)
        for phones in held:
            rows += run_group(target, phones, [plan.held_rate], plan, counter, workdir, log, "held")
        if plan.burst_phones:
            rows += run_group(target, plan.burst_phones, [float(plan.burst_phones)], plan, counter,
                              workdir, log, "burst")
    save()

    for database in plan.databases:
        if database == "postgresql" and pg_admin is None:
            continue
        with database_url_for(database, workdir, pg_admin) as url:
            target = SingleApp(database, url, workdir)
            log(f"== {target.name}")
            with target:
                for phones, rates in plan.cells.items():
                    rows += run_group(target, phones, rates, plan, counter, workdir, log)
                if database == "sqlite":
                    for phones in held:
                        rows += run_group(target, phones, [plan.held_rate], plan, counter, workdir, log,
                                          "held")
                if plan.burst_phones:
                    rows += run_group(target, plan.burst_phones, [float(plan.burst_phones)], plan, counter,
                                      workdir, log, "burst")
                throughput_rows += throughput(plan, database, url, target, workdir, log)
        save()

    if pg_admin is not None and shutil.which("nginx"):
        for processes in plan.processes:
            with TemporaryDatabase(pg_admin, "facilitator_bench") as pg:
                target = ClusterApp(processes, pg.url, workdir)
                log(f"== {target.name}")
                with target:
                    for phones, rates in plan.cluster_cells.items():
                        rows += run_group(target, phones, rates, plan, counter, workdir, log)
                    if plan.burst_phones and processes == max(plan.processes):
                        rows += run_group(target, plan.burst_phones, [float(plan.burst_phones)], plan,
                                          counter, workdir, log, "burst")
                    throughput_rows += app_throughput(plan, target, workdir, log, [plan.send_mode])
            save()
    elif pg_admin is not None:
        log("nginx is not installed: the rows behind nginx are left out")

    if plan.layers:
        log("== CPU per request against the floor (bench.layers)")
        results["cpu_per_request_over_floor"] = layers_cells(plan, workdir, log, pg_admin)
        save()
    if plan.overload:
        log("== overload: 3x capacity, one process, SQLite (bench.overload)")
        results["overload"] = overload_cell(plan, workdir, log)
        save()


# --- the cells run by their own modules, in a process of their own ------------------------


def layers_cells(plan: Plan, workdir: Path, log, pg_admin: str | None) -> list[dict]:
    """bench.layers for each database: the send's and the complete join's CPU against their floors.

    bench.layers belongs to its own work, so it runs as a command (``--database`` sqlite, or the
    PostgreSQL server's URL: it makes its databases there and drops them) and its layers.json is
    read; what it does not measure (an older bench.layers without the option) is left out with a note.
    """
    usage = subprocess.run([PYTHON, "-m", "bench.layers", "--help"], cwd=ROOT, capture_output=True,
                           text=True, timeout=120).stdout
    option = "--database" if "--database" in usage else None
    cells = []
    for database in plan.databases:
        if database == "postgresql" and not pg_admin:
            continue
        cell = {"database": database, "layers_phones": plan.layers_phones, "layers_rounds": plan.layers_rounds}
        if database != "sqlite" and option is None:
            cell["note"] = "bench.layers has no PostgreSQL option yet: left out"
            log(f"  {database}: {cell['note']}")
            cells.append(cell)
            continue
        out = workdir / f"layers-{database}"
        command = [PYTHON, "-m", "bench.layers", "--out", str(out), "--phones", str(plan.layers_phones),
                   "--rounds", str(plan.layers_rounds)]
        if option:
            command += [option, pg_admin if database == "postgresql" else database]
        with open(workdir / f"layers-{database}.log", "ab") as output:
            done = subprocess.run(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, timeout=900,
                                  preexec_fn=pin(SERVER_CORE))
        # bench.layers names its files after the database when it is not SQLite.
        written = next((path for path in (out / "layers.json", out / f"layers-{database}.json") if path.exists()),
                       None)
        if done.returncode != 0 or written is None:
            cell["note"] = f"bench.layers failed ({done.returncode}); see layers-{database}.log"
        else:
            cell.update(report.cpu_over_floor(json.loads(written.read_text()), database))
        log(f"  {database}: " + ", ".join(f"{k}={v}" for k, v in cell.items()))
        cells.append(cell)
    return cells


def overload_cell(plan: Plan, workdir: Path, log) -> dict:
    """bench.overload in its own process (its client pins itself to the client core)."""
    out = workdir / "overload"
    command = [PYTHON, "-m", "bench.overload", "--out", str(out), "--phones", str(plan.overload_phones),
               "--seconds", str(plan.overload_seconds), "--capacity-seconds", str(plan.overload_capacity_seconds),
               "--after", ",".join(str(f) for f in plan.overload_after)]
    limit = 600 + plan.overload_capacity_seconds + len(plan.overload_after) * (2 * plan.overload_seconds + 180)
    with open(workdir / "overload.log", "ab") as output:
        done = subprocess.run(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, timeout=limit,
                              preexec_fn=pin())
    if not (out / "overload.json").exists():
        log(f"  overload failed ({done.returncode}); see {workdir / 'overload.log'}")
        return {"note": f"bench.overload failed ({done.returncode}); see overload.log"}
    result = {"database": "sqlite", "processes": 1, **json.loads((out / "overload.json").read_text())}
    for round_ in result["rounds"]:
        log(f"  then {round_['after_load_fraction_of_capacity']:.0%}: overload p99 {round_['overload']['p99_ms']} ms, "
            f"drained after {round_['overload_drained_after_s']} s (at least {round_['drain_needs_at_least_s']} s)")
    log(f"  capacity {result['capacity_per_s']}/s; sends {result['sends']}, stored {result['stored']}, lost "
        f"{result['lost']}, twice {result['stored_twice']}, unacknowledged {result['stored_unacknowledged']}")
    return result



def add_throughput_ratios(throughput_rows: list[dict]) -> None:
    bare = {r["database"]: r["accepted_per_s"] for r in throughput_rows if r["endpoint"].startswith("bare")}
    for row in throughput_rows:
        if "vs_bare" not in row and bare.get(row["database"]):
            row["vs_bare"] = round(row["accepted_per_s"] / bare[row["database"]], 2)


class database_url_for:
    """A fresh database for one target: a SQLite file in the work folder, or a new PostgreSQL database."""

    def __init__(self, database: str, workdir: Path, pg_admin: str | None):
        self.database, self.workdir, self.pg_admin = database, workdir, pg_admin
        self.temporary = None

    def __enter__(self) -> str:
        if self.database == "sqlite":
            path = self.workdir / "app.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return f"sqlite:///{path}"
        self.temporary = TemporaryDatabase(self.pg_admin, "facilitator_bench").__enter__()
        return self.temporary.url

    def __exit__(self, *exc) -> None:
        if self.temporary is not None:
            self.temporary.__exit__(*exc)


def add_ratios(rows: list[dict]) -> None:
    baseline = {(r["phones"], r["rate"], r["scenario"]): r["p99_ms"] for r in rows if r["kind"] == "baseline"}
    for row in rows:
        base = baseline.get((row["phones"], row["rate"], row["scenario"]))
        row["baseline_p99_ms"] = base
        row["ratio"] = round(row["p99_ms"] / base, 2) if base and row["p99_ms"] is not None else None


def wait_until_quiet(limit: float, log, threshold: float = 10.0, window: float = 5.0,
                     verbose: bool = True) -> bool:
    """Wait (at most ``limit`` s) until the machine is less than ``threshold`` % busy over ``window`` s.

    Between cells our own servers and phones idle, so what keeps the machine
    busy then is someone else's work (another test run on a shared machine).
    """
    deadline = time.monotonic() + limit
    waited = False
    while True:
        busy0 = machine_busy_seconds()
        time.sleep(window)
        busy = 100 * (machine_busy_seconds() - busy0) / window
        if busy < threshold:
            if verbose or waited:
                log(f"    machine quiet ({busy:.0f} % busy)")
            return True
        if time.monotonic() >= deadline:
            log(f"    machine still {busy:.0f} % busy after {limit:.0f} s; measuring anyway")
            return False
        if verbose or not waited:
            log(f"    machine {busy:.0f} % busy; waiting for it to calm down")
        waited = True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the app against bare python-socketio.")
    parser.add_argument("--quick", action="store_true", help="a smoke run of about 2 minutes")
    parser.add_argument("--send-mode", choices=["htmx", "form"], default="htmx",
                        help="send like a phone with JavaScript (htmx, the default) or a plain form")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgresql"],
                        help="measure the app on these databases only (default: both)")
    parser.add_argument("--no-cluster", action="store_true", help="leave out the rows behind nginx")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="first wait up to this long for other processes to leave the CPU idle")
    parser.add_argument("--note", action="append", default=[],
                        help="a sentence for latest.md about this run (a busy machine, say); may be repeated")
    parser.add_argument("--no-overload", action="store_true", help="leave out the overload cell (bench.overload)")
    parser.add_argument("--no-layers", action="store_true",
                        help="leave out the CPU against the floor (bench.layers)")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("matplotlib") is None:
        # Found out before the run, not when its first results are saved minutes later.
        print("bench needs matplotlib for its plot: `make bench`, or "
              "`.venv/bin/pip install -e '.[bench]'`", file=sys.stderr)
        return 2
    if len(os.sched_getaffinity(0)) < 2:
        print("warning: fewer than 2 cores; server and client share one", file=sys.stderr)
    stop_on_signals()
    plan = QUICK if args.quick else FULL
    plan.quiet_budget = args.wait_quiet
    if args.databases:
        plan.databases = args.databases
    if args.no_cluster or "postgresql" not in plan.databases:
        plan.processes = []
    plan.send_mode = args.send_mode
    plan.overload, plan.layers = not args.no_overload, not args.no_layers
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tmp").mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"{plan.mode}-", dir=args.out / "tmp"))
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", flush=True)

    if args.wait_quiet:
        wait_until_quiet(min(60.0, args.wait_quiet), log)
    results: dict = {"rows": [], "throughput": [], "notes": args.note,
                     "load_average_start": [round(v, 2) for v in os.getloadavg()]}
    finished = False

    def save() -> None:
        add_ratios(results["rows"])
        add_throughput_ratios(results["throughput"])
        # The load average says how shared the machine was (2 cores: above about 1 is others' work).
        results.update(load_average_end=[round(v, 2) for v in os.getloadavg()])
        results.update(mode=plan.mode, send_mode=plan.send_mode, complete=finished,
                       seconds=round(time.monotonic() - started), plan=dict(plan.__dict__),
                       machine=report.machine())
        if results["rows"]:
            report.write(results, args.out, plan.mode)

    try:
        run(plan, workdir, log, results, save)
        finished = True
    finally:
        save()
        log(f"logs in {workdir}")
    log(f"wrote {args.out / 'latest.md'}, latest.json, latest.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
