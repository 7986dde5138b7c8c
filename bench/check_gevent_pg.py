"""Does psycopg 3 let other greenlets run while PostgreSQL is busy?

Run under gevent as the server does:

    .venv/bin/python -m bench.check_gevent_pg [postgresql://root@127.0.0.1:5432/test]

One greenlet runs ``SELECT pg_sleep(1)`` through the app's engine while
another ticks every 10 ms; cooperative waiting gives ~100 ticks, a blocking
driver gives 0-1. ``PSYCOPG_WAIT_FUNC=wait_c`` forces the blocking C wait, to
see the difference. Exit status 0 when cooperative.
"""
from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402

DEFAULT_URL = "postgresql://root@127.0.0.1:5432/test"


def count_ticks_during_slow_query(url: str, seconds: float = 1.0) -> tuple[int, float]:
    from sqlalchemy import text
    from facilitator import create_app
    from facilitator.infra.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    ticks = 0
    done = False

    def ticker():
        nonlocal ticks
        while not done:
            gevent.sleep(0.01)
            ticks += 1

    def slow_query():
        with app.app_context():
            db.session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
            db.session.remove()

    with app.app_context():
        db.session.execute(text("SELECT 1"))  # connect outside the measured window
        db.session.remove()
    started = time.monotonic()
    tick = gevent.spawn(ticker)
    gevent.spawn(slow_query).join()
    elapsed = time.monotonic() - started
    done = True
    tick.join()
    return ticks, elapsed


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DATABASE_URL", DEFAULT_URL)
    from psycopg import waiting
    ticks, elapsed = count_ticks_during_slow_query(url)
    print(f"psycopg wait function: {waiting.wait.__name__}")
    print(f"ticks of a 10 ms timer during a {elapsed:.2f} s query: {ticks} (cooperative: ~{int(elapsed * 100)})")
    return 0 if ticks >= 50 else 1


if __name__ == "__main__":
    sys.exit(main())
