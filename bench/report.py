"""The benchmark's results as files: latest.json (the rows), latest.md (tables), latest.png (plot)."""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path

# The keys every row of latest.json has, in this order; extra keys follow.
ROW_KEYS = ["processes", "database", "phones", "rate", "p50_ms", "p95_ms", "p99_ms", "max_ms", "lost",
            "baseline_p99_ms", "ratio", "server_rss_mb"]


SCENARIO_NOTES = {"burst": " — burst: every phone sends once, all within 1 s",
                  "held": " — held: many phones, low rate"}


def machine() -> dict:
    from importlib.metadata import version
    return {"cores": os.cpu_count(), "python": platform.python_version(),
            "kernel": platform.release(),
            **{name: version(name) for name in ("gevent", "gunicorn", "python-socketio", "python-engineio",
                                                "simple-websocket", "Flask-SocketIO", "psycopg")}}


def ordered(row: dict) -> dict:
    return {**{key: row.get(key) for key in ROW_KEYS}, **{k: v for k, v in row.items() if k not in ROW_KEYS}}


def one_line(row: dict) -> str:
    flag = "  SATURATED" if row.get("saturated") else ""
    return (f"{row['phones']} phones x {row['rate']:g}/s: p50 {row['p50_ms']} p95 {row['p95_ms']} "
            f"p99 {row['p99_ms']} max {row['max_ms']} ms, lost {row['lost']}, "
            f"server CPU {row['server_cpu_pct']}% RSS {row['server_rss_mb']} MB, "
            f"client CPU {row['client_cpu_pct']}%, HTTP p99 {row['http_p99_ms']} ms{flag}")


def cell(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown(results: dict) -> str:
    rows = results["rows"]
    state = "" if results.get("complete", True) else ", **incomplete: stopped part way**"
    lines = [f"# Benchmark results ({results['mode']} run, {results['seconds']} s{state})", "",
             "Latency: from the start of the HTTP POST that sends a suggestion to the moment the "
             "**last** connected phone received it over Socket.IO. `ratio` = p99 / the bare "
             "python-socketio p99 at the same phones × rate, measured in the same run. "
             f"Suggestions are sent as a phone with JavaScript does (`{results['send_mode']}`). "
             "bench/README.md explains every column.", "",
             "Machine: " + ", ".join(f"{k} {v}" for k, v in results["machine"].items()), "",
             "## Latency, phones × suggestions/s", "",
             "| config | phones | rate/s | p50 ms | p95 ms | p99 ms | max ms | lost | bare p99 ms | ratio "
             "| server CPU % | RSS MB | client CPU % | HTTP p99 ms | joins/s |",
             "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for row in rows:
        name = row["config"] + SCENARIO_NOTES.get(row.get("scenario"), "") + \
            (" **saturated**" if row.get("saturated") else "")
        lines.append("| " + " | ".join([
            name, cell(row["phones"]), cell(row["rate"], 0), cell(row["p50_ms"]), cell(row["p95_ms"]),
            cell(row["p99_ms"]), cell(row["max_ms"]), cell(row["lost"]), cell(row["baseline_p99_ms"]),
            cell(row["ratio"], 2), cell(row["server_cpu_pct"]), cell(row["server_rss_mb"]),
            cell(row["client_cpu_pct"]), cell(row["http_p99_ms"]), cell(row.get("joins_per_s"))]) + " |")
    if results.get("throughput"):
        plan = results["plan"]
        lines += ["", "## Accepted suggestions/s over HTTP (closed loop: "
                  f"{plan['throughput_senders']} requests in flight, "
                  f"{plan.get('throughput_phones', plan['throughput_senders'])} phones taking turns)", "",
                  "| database | endpoint | accepted/s | × bare | server CPU ms per request | p50 ms | p99 ms | rejected |",
                  "|---|---|--:|--:|--:|--:|--:|--:|"]
        for row in results["throughput"]:
            lines.append(f"| {row['database']} | {row['endpoint']} | {cell(row['accepted_per_s'])} | "
                         f"{cell(row.get('vs_bare'), 2)} | {cell(row.get('server_cpu_ms_per_request'), 2)} | "
                         f"{cell(row['p50_ms'], 1)} | {cell(row['p99_ms'], 1)} | "
                         f"{row['rejected']} |")
    joins = [r for r in rows if r.get("joins_per_s")]
    if joins:
        lines += ["", "## Joins (GET the form, POST it; 100 phones at a time)", "",
                  "| config | phones | joins/s | socket connects/s |", "|---|--:|--:|--:|"]
        seen = set()
        for row in joins:
            key = (row["config"], row["phones"])
            if key not in seen:
                seen.add(key)
                lines.append(f"| {row['config']} | {row['phones']} | {cell(row['joins_per_s'])} | "
                             f"{cell(row['connects_per_s'])} |")
    busy = [r for r in rows if (r.get("background_cpu_pct") or 0) > 15]
    if busy:
        lines += ["", f"**Warning:** other processes used more than 15 % of a core during {len(busy)} of "
                  f"{len(rows)} cells (`background_cpu_pct` in latest.json, up to "
                  f"{max(r['background_cpu_pct'] for r in busy):.0f} %); those numbers are pessimistic."]
    return "\n".join(lines) + "\n"


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in results["rows"] if r.get("scenario") != "burst"]
    rates = sorted({r["rate"] for r in rows})
    configs = list(dict.fromkeys(r["config"] for r in rows))
    panels = len(rates) + (1 if results.get("throughput") else 0)
    figure, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4.8), squeeze=False)
    for axis, rate in zip(axes[0], rates):
        for config in configs:
            points = sorted((r["phones"], r["p99_ms"]) for r in rows
                            if r["config"] == config and r["rate"] == rate and r["p99_ms"] is not None)
            if points:
                style = "k--s" if config.startswith("bare") else "-o"
                axis.plot(*zip(*points), style, label=config, markersize=4)
        axis.set_title(f"{rate:g} suggestions/s")
        axis.set_xlabel("phones connected")
        axis.set_ylabel("p99 ms, send → last phone")
        axis.set_yscale("log")
        axis.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=7)
    if results.get("throughput"):
        axis = axes[0][-1]
        labels = [f"{r['database']}\n{r['endpoint'].replace('app, ', '')}" for r in results["throughput"]]
        axis.barh(labels, [r["accepted_per_s"] for r in results["throughput"]],
                  color=["grey" if r["endpoint"].startswith("bare") else "tab:blue" for r in results["throughput"]])
        axis.set_xlabel("accepted suggestions/s")
        axis.tick_params(axis="y", labelsize=7)
        axis.set_title("HTTP throughput vs bare insert")
    figure.suptitle(f"facilitator vs bare python-socketio ({results['mode']} run)")
    figure.text(0.01, 0.01, "the burst rows (every phone sends once) are in the tables only", fontsize=7)
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(results: dict, folder: Path, mode: str) -> None:
    results = {**results, "rows": [ordered(row) for row in results["rows"]]}
    text = markdown(results)
    for stem in ("latest", mode):
        (folder / f"{stem}.json").write_text(json.dumps(results["rows"], indent=1) + "\n")
        (folder / f"{stem}-details.json").write_text(json.dumps(results, indent=1) + "\n")
        (folder / f"{stem}.md").write_text(text)
        plot(results, folder / f"{stem}.png")
