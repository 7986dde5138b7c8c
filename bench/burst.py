"""The burst cell alone (and the 200 × 10/s cell beside it), on SQLite and PostgreSQL.

    .venv/bin/python -m bench.burst                        # 200 phones, each sends once within 1 s
    .venv/bin/python -m bench.burst --steady 10 --repeat 2 # + the 200 × 10/s cell, everything twice
    .venv/bin/python -m bench.burst --env OVERLOAD_MAX_IN_FLIGHT=32   # an experiment, by environment

The same cells as ``bench.run --quick`` measures (bench.run's run_group: one gunicorn gevent
process pinned to core 0, the load client on core 1, a fresh database and demo workshop), without
the rest of the matrix: a few minutes instead of eight, for a before/after on one problem. Each
cell prints one line: p50/p99 from the POST to the last phone, the HTTP answer's p99, sends
refused or failed, and the load average (on 2 cores, above about 1 is someone else's work).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path

from deploy.run_local_cluster import postgres_admin_url, stop_on_signals

from .run import QUICK, RESULTS, Counter, SingleApp, database_url_for, run_group


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--phones", type=int, default=200, help="phones in the burst (default 200)")
    parser.add_argument("--steady", type=float, default=0,
                        help="also the steady cell: --phones phones at this many sends/s for 6 s")
    parser.add_argument("--repeat", type=int, default=1, help="measure each database this many times")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the app process (an experiment)")
    parser.add_argument("--app", default="wsgi:app", help="gunicorn's app (default wsgi:app)")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="as bench.run: cells wait (up to 60 s each, this long in all) for others' "
                             "work to pass, and are measured once more if disturbed")
    parser.add_argument("--no-pin", action="store_true",
                        help="let the app process run on either core (bench.run pins it to core 0)")
    parser.add_argument("--out", type=Path, help="append one JSON line per cell to this file")
    args = parser.parse_args(argv)
    stop_on_signals()
    extra = dict(item.split("=", 1) for item in args.env)
    (RESULTS / "tmp").mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="burst-", dir=RESULTS / "tmp"))
    print(f"logs in {workdir}", flush=True)
    pg_admin = postgres_admin_url() if "postgresql" in args.databases else None
    counter = Counter()
    plan = dataclasses.replace(QUICK, quiet_budget=args.wait_quiet)
    rows = []
    for repeat in range(args.repeat):
        for database in args.databases:
            if database == "postgresql" and pg_admin is None:
                print("PostgreSQL is not reachable: left out")
                continue
            with database_url_for(database, workdir, pg_admin) as url:
                target = SingleApp(database, url, workdir)
                target.env.update(extra)
                target.server.app = args.app
                if args.no_pin:
                    target.server.cpus = None
                with target:
                    cells = [("burst", float(args.phones))]
                    if args.steady:
                        cells.insert(0, ("steady", args.steady))
                    for scenario, rate in cells:
                        load = os.getloadavg()
                        row = run_group(target, args.phones, [rate], plan, counter, workdir,
                                        lambda line: None, scenario)[0]
                        row.update(load_average=[round(v, 2) for v in load], repeat=repeat,
                                   env=extra, refused_or_failed=row["sent"] - row["acked"])
                        rows.append(row)
                        print(f"{database:10} {scenario:6} {args.phones}×{rate:g}/s  p50 {row['p50_ms']} "
                              f"p99 {row['p99_ms']} ms  http p99 {row['http_p99_ms']} ms  refused/failed "
                              f"{row['refused_or_failed']}/{row['sent']}  lost {row['lost']}  server CPU "
                              f"{row['server_cpu_pct']} %  others {row['background_cpu_pct']} %  postgres "
                              f"{row['postgres_cpu_pct']} %  load {row['load_average'][0]}", flush=True)
                        if args.out:
                            with args.out.open("a") as out:
                                out.write(json.dumps({k: v for k, v in row.items()}) + "\n")
                        time.sleep(1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
