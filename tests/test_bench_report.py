"""bench.report's issue #17 cells: what latest.json and latest.md say from a run's measurements."""
from __future__ import annotations

import json

from bench import report


def latency(database, scenario, phones, rate, p99, lost=0):
    return {"config": f"app, {database}, 1 process", "kind": "app", "processes": 1, "database": database,
            "scenario": scenario, "phones": phones, "rate": rate, "p50_ms": p99 / 2, "p95_ms": p99,
            "p99_ms": p99, "max_ms": p99, "lost": lost, "baseline_p99_ms": None, "ratio": None,
            "server_rss_mb": 100, "server_cpu_pct": 50, "client_cpu_pct": 5, "http_p99_ms": 10}


LAYERS = [{"key": "bare", "cpu_ms": 0.2}, {"key": "csrf", "cpu_ms": 0.4}, {"key": "send", "cpu_ms": 1.0},
          {"key": "join", "cpu_ms": 4.0}, {"key": "join_floor", "cpu_ms": 1.0}]


def overload_result(drained_half, drained_quarter):
    def round_(fraction, drained):
        return {"after_load_fraction_of_capacity": fraction, "after_offered_per_s": 10,
                "overload": {"answers": 10, "p50_ms": 5.0, "p99_ms": 2500.0, "max_ms": 3000.0, "statuses": {}},
                "after": {"answers": 5, "p50_ms": 5.0, "p99_ms": 50.0, "max_ms": 60.0, "statuses": {}},
                "accepted_during_overload_per_s": 40, "backlog_at_end_of_overload": 100,
                "drain_needs_at_least_s": 5.0, "overload_drained_after_s": drained, "overload_sends": 200,
                "overload_given_up": 0,
                "targets_met": {"overload_p99_at_most_2_s": False, "drained_within_30_s": drained <= 30}}
    return {"phones": 400, "workshops": 4, "max_in_flight": 8, "capacity_per_s": 40, "offered_per_s": 120,
            "overload_s": 10, "rounds": [round_(0.5, drained_half), round_(0.25, drained_quarter)],
            "sends": 400, "acknowledged": 400, "stored": 400, "lost": 0, "stored_twice": 0,
            "stored_unacknowledged": 0, "given_up": 0, "targets_met": {"stored_exactly_once": True},
            "load_average_before": [1, 1, 1], "load_average_after": [1, 1, 1]}


def results():
    return {"mode": "quick", "send_mode": "htmx", "complete": True, "seconds": 1, "machine": {"cores": 2},
            "plan": {"throughput_senders": 50, "layers_phones": 100, "layers_rounds": 2, "overload_seconds": 10},
            "rows": [latency("sqlite", "steady", 200, 10, 100), latency("postgresql", "steady", 200, 10, 110),
                     latency("sqlite", "burst", 200, 200, 1000), latency("postgresql", "burst", 200, 200, 2500)],
            "throughput": [],
            "cpu_per_request_over_floor": [{"database": "sqlite", **report.cpu_over_floor(LAYERS, "sqlite")}],
            "overload": overload_result(45.0, 20.0)}


def test_every_new_cell_is_in_latest_json_with_its_pass_or_fail(tmp_path):
    # The tables only: the plot needs matplotlib, which is in the bench extras, not the test install.
    report.write(results(), tmp_path, "quick", with_plot=False)
    latest = json.loads((tmp_path / "latest.json").read_text())

    cpu = latest["cpu_per_request_over_floor"][0]
    assert cpu["send_cpu_ms_over_floor_ratio"] == 2.5
    assert cpu["complete_join_cpu_over_floor_ratio"] == 4.0

    pg = {c["scenario"]: c for c in latest["postgresql_over_sqlite_p99"]}
    assert pg["steady"]["postgresql_over_sqlite_p99_ratio"] == 1.1 and pg["steady"]["target_met"]
    assert pg["burst"]["postgresql_over_sqlite_p99_ratio"] == 2.5 and not pg["burst"]["target_met"]

    met = {t["target"]: t["met"] for t in latest["targets"]}
    assert met["send CPU ≤ 3× its floor, sqlite"] is True
    assert met["complete join CPU ≤ 3× its floor, sqlite"] is False
    assert met["overload drained ≤ 30 s: the issue's, after normal load (50 %)"] is False
    assert met["overload drained ≤ 30 s: the proposed restatement, load down to 25 %"] is True
    assert met["overload p99 of every answer ≤ 2 s (round with 50% after)"] is False
    assert met["overload: every send stored exactly once (lost + twice + unacknowledged + given up)"] is True
    assert len(latest["latency_cells"]) == 4

    text = (tmp_path / "latest.md").read_text()
    assert "## Issue #17's targets in this run" in text and "PostgreSQL ÷ SQLite" in text


def test_a_lost_or_refused_send_fails_the_postgresql_cell_whatever_its_ratio():
    for key in ("lost", "send_errors"):
        data = results()
        data["rows"][1][key] = 1
        cells = report.postgresql_over_sqlite(data)
        assert not next(c for c in cells if c["scenario"] == "steady")["target_met"], key


def test_layers_without_a_join_table_say_so_instead_of_a_ratio():
    cell = report.cpu_over_floor(LAYERS[:3], "sqlite")
    assert cell["complete_join_cpu_over_floor_ratio"] is None
    assert "no complete join" in cell["note"]
    rows = [{**row, "database": "postgresql"} for row in LAYERS]
    assert report.cpu_over_floor(rows, "sqlite")["send_cpu_ms_over_floor_ratio"] is None
    assert report.cpu_over_floor(rows, "postgresql")["send_cpu_ms_over_floor_ratio"] == 2.5


def test_layers_json_as_an_object_of_send_layers_and_complete_join():
    layers = {"database": "postgresql",
              "send_layers": [{"key": "csrf", "cpu_ms": 0.5}, {"key": "send", "cpu_ms": 4.0}],
              "complete_join": [{"step": "complete join (without the socket)", "key": "complete_join", "cpu_ms": 9.0},
                                {"key": "join_floor", "cpu_ms": 1.5},
                                {"key": "joins_per_cpu_second", "rate": 111}]}
    cell = report.cpu_over_floor(layers, "postgresql")
    assert cell["send_cpu_ms_over_floor_ratio"] == 8.0
    assert cell["complete_join_cpu_over_floor_ratio"] == 6.0
    assert cell["complete_joins_per_cpu_second"] == 111
    assert cell["complete_join_measures"] == "complete join (without the socket)"
    assert report.cpu_over_floor(layers, "sqlite")["send_cpu_ms_over_floor_ratio"] is None
