"""How well and how fast the synthesis engine proposes duplicates and themes, beside two baselines.

    .venv/bin/python -m bench.synthesis                 # quality per language, then speed at 2,000
    .venv/bin/python -m bench.synthesis --size 500      # speed at another size

Quality on the hand-labelled set in bench/data/synthesis/ (its README has the labelling rules):
precision and recall of proposed duplicate pairs, and the adjusted Rand index (ARI) of proposed
themes against the gold themes, for the engine and, in the same run, for exact match after
normalisation and for plain word overlap (Jaccard of the casefolded words, stop words left out).
Speed on 2,000 generated suggestions: one new suggestion checked against the question's index,
and theme proposals for all of them, with the memory each takes. Writes
bench/results/synthesis.{md,json,png}. No network, no database.
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import re
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "synthesis"
RESULTS = ROOT / "bench" / "results"
LANGUAGES = ["nb", "nn", "sv", "da", "fi", "en"]
METHODS = ["engine", "exact", "overlap"]
_TAG = re.compile(r"\s*\{(d\d+)\}\s*$")
# The word-overlap baseline's thresholds, the best of a small grid on this set (its best showing).
OVERLAP_DUPLICATE = 0.5
OVERLAP_CUT = 0.9
CHECK_P95_BUDGET_MS = 10.0
THEMES_BUDGET_S = 1.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="suggestions on the question for the speed rows")
    parser.add_argument("--checks", type=int, default=300, help="new suggestions timed against the index")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for synthesis.{md,json,png}")
    return parser.parse_args(argv)


# --- the labelled set ---------------------------------------------------------------------------

def load_set(language: str, folder: Path = DATA) -> dict:
    """{"question", "items": [(id, text)], "themes": [gold theme per item], "pairs": {frozenset}}."""
    items, themes, tags, question, theme = [], [], {}, "", ""
    for line in (folder / f"{language}.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("## "):
            theme = line[3:]
        elif line.startswith("# "):
            question = line[2:]
        elif line:
            tag = _TAG.search(line)
            items.append((len(items) + 1, _TAG.sub("", line)))
            themes.append(theme)
            if tag:
                tags.setdefault(tag.group(1), []).append(len(items))
    pairs = {frozenset((a, b)) for group in tags.values() for a in group for b in group if a < b}
    return {"question": question, "items": items, "themes": themes, "pairs": pairs}


# --- measures -----------------------------------------------------------------------------------

def adjusted_rand_index(gold: list, proposed: list) -> float:
    """Hubert and Arabie's adjusted Rand index of two labellings of the same items."""
    def pairs(counts):
        return sum(n * (n - 1) / 2 for n in counts)
    together = pairs(Counter(zip(gold, proposed, strict=True)).values())
    gold_pairs, proposed_pairs = pairs(Counter(gold).values()), pairs(Counter(proposed).values())
    expected = gold_pairs * proposed_pairs / max(len(gold) * (len(gold) - 1) / 2, 1)
    maximum = (gold_pairs + proposed_pairs) / 2
    return 1.0 if maximum == expected else (together - expected) / (maximum - expected)


def precision_recall(gold: set, proposed: set) -> tuple[float, float]:
    hits = len(gold & proposed)
    return (hits / len(proposed) if proposed else 1.0), (hits / len(gold) if gold else 1.0)


def labels_of(groups: list[list[int]], items: list) -> list[int]:
    """A group number per item, in the items' order."""
    number = {member: position for position, group in enumerate(groups) for member in group}
    return [number[item_id] for item_id, _ in items]


# --- the three methods --------------------------------------------------------------------------

def engine(items: list, language: str) -> tuple[set, list[int]]:
    from facilitator.services.synthesis.duplicates import find_duplicates
    from facilitator.services.synthesis.themes import propose_themes
    pairs = {frozenset((pair.a, pair.b)) for pair in find_duplicates(items, language)}
    return pairs, labels_of([theme.members for theme in propose_themes(items, language)], items)


def exact(items: list, language: str) -> tuple[set, list[int]]:
    from facilitator.services.synthesis.text import normalise
    keys = [normalise(text) for _, text in items]
    pairs = {frozenset((a[0], b[0])) for i, a in enumerate(items) for j, b in enumerate(items)
             if i < j and keys[i] == keys[j]}
    first = {}
    return pairs, [first.setdefault(key, len(first)) for key in keys]


def overlap(items: list, language: str) -> tuple[set, list[int]]:
    from facilitator.services.synthesis.text import stop_words
    from facilitator.services.synthesis.themes import cluster
    skip = stop_words(language)
    words = [set(re.findall(r"\w+", text.casefold())) - skip for _, text in items]
    similarity = np.array([[len(a & b) / len(a | b) if a | b else 0.0 for b in words] for a in words])
    pairs = {frozenset((items[i][0], items[j][0])) for i in range(len(items)) for j in range(i + 1, len(items))
             if similarity[i, j] >= OVERLAP_DUPLICATE}
    return pairs, [int(n) for n in cluster(similarity, OVERLAP_CUT)]


def quality(language: str) -> list[dict]:
    """One row per method for one language."""
    labelled = load_set(language)
    gold_numbers = labels_of([[i for (i, _), t in zip(labelled["items"], labelled["themes"], strict=True)
                               if t == theme] for theme in dict.fromkeys(labelled["themes"])], labelled["items"])
    rows = []
    for method in METHODS:
        pairs, numbers = globals()[method](labelled["items"], language)
        precision, recall = precision_recall(labelled["pairs"], pairs)
        rows.append({"language": language, "method": method, "suggestions": len(labelled["items"]),
                     "gold_pairs": len(labelled["pairs"]), "proposed_pairs": len(pairs),
                     "precision": round(precision, 3), "recall": round(recall, 3),
                     "themes_gold": len(set(gold_numbers)), "themes_proposed": len(set(numbers)),
                     "ari": round(adjusted_rand_index(gold_numbers, numbers), 3)})
    return rows



# --- speed --------------------------------------------------------------------------------------

QUALIFIERS = ["", "", " for eldre", " for småbarnsfamilier", " på nynorsk og bokmål", " også på engelsk",
              " sammen med frivillige", " i samarbeid med nabokommunene", " før sommeren", " hver høst",
              " på Ål og Gol", " via Facebook og nettsida", " med tydelig ansvar", " også for hytteeiere"]
TAILS = ["", "", "", ". Det gjør at folk føler seg velkomne", ". Kan prøves ut i én kommune først",
         ". Kostnaden er liten", ". Tilflyttere nevner dette ofte", ". Krever at vi deler kunnskap på tvers"]


def generated(count: int, seed: int = 0) -> list[tuple[int, str]]:
    """Suggestions recombined from the Norwegian set, as a large room would send them."""
    rng = random.Random(seed)
    base = [text for _, text in load_set("nb")["items"] + load_set("nn")["items"]]
    return [(i + 1, rng.choice(base) + rng.choice(QUALIFIERS) + rng.choice(TAILS)) for i in range(count)]


def speed(size: int, checks: int) -> dict:
    """Milliseconds per duplicate check against ``size`` suggestions; seconds for their themes."""
    from facilitator.services.synthesis.duplicates import DuplicateIndex
    from facilitator.services.synthesis.themes import propose_themes
    items = generated(size + checks)
    propose_themes(items[:50], "nb")  # imports and stemmer caches warm, as in a running server
    index = DuplicateIndex("nb")
    build_started = time.perf_counter()
    for suggestion_id, text in items[:size]:
        index.add(suggestion_id, text)
    build_s = time.perf_counter() - build_started
    timings = []
    for suggestion_id, text in items[size:]:
        started = time.perf_counter()
        index.add(suggestion_id, text)
        timings.append((time.perf_counter() - started) * 1000)
    theme_runs = []
    for _ in range(3):
        started = time.perf_counter()
        proposals = propose_themes(items[:size], "nb")
        theme_runs.append(time.perf_counter() - started)
    # Memory in separate passes: tracing every allocation slows the timed code several times over.
    del index
    tracemalloc.start()
    index = DuplicateIndex("nb")
    for suggestion_id, text in items[:size]:
        index.add(suggestion_id, text)
    index_mb = tracemalloc.get_traced_memory()[0] / 1e6
    del index
    tracemalloc.stop()
    tracemalloc.start()
    propose_themes(items[:size], "nb")
    themes_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    timings.sort()
    return {"size": size, "checks": checks, "check_p50_ms": round(statistics.median(timings), 2),
            "check_p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
            "check_max_ms": round(timings[-1], 2), "index_build_s": round(build_s, 2),
            "index_mb": round(index_mb, 1), "themes_s": round(min(theme_runs), 3),
            "themes_peak_mb": round(themes_mb, 1), "themes_proposed": len(proposals)}


# --- report -------------------------------------------------------------------------------------

def averages(rows: list[dict]) -> list[dict]:
    out = []
    for method in METHODS:
        mine = [row for row in rows if row["method"] == method]
        out.append({"language": "mean", "method": method, **{
            key: round(statistics.mean(row[key] for row in mine), 3) for key in ("precision", "recall", "ari")}})
    return out


def markdown(results: dict) -> str:
    lines = ["# Synthesis engine: quality and speed", "",
             f"{results['machine']}; run took {results['seconds']} s.", "",
             "## Quality on the labelled set (bench/data/synthesis/)", "",
             "Duplicates: precision and recall of proposed pairs against the gold pairs. Themes: adjusted Rand "
             "index against the gold themes (1 = the same grouping, 0 = no better than chance), at the default "
             "granularity. A method that proposes no pair has a precision of 1.00 by convention. Baselines: "
             "exact = identical after normalisation; overlap = Jaccard of the casefolded words (stop words out), "
             f"a pair from {OVERLAP_DUPLICATE}, themes by average linkage cut at {OVERLAP_CUT}. The engine's "
             "thresholds were chosen on this same set (a small grid; the F1 of duplicates varied from 0.67 to "
             "0.71 near the chosen point), so these figures flatter it somewhat.", "",
             "| language | method | suggestions | gold pairs | proposed | precision | recall | ARI | themes (gold) |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for row in results["quality"]:
        lines.append(f"| {row['language']} | {row['method']} | {row['suggestions']} | {row['gold_pairs']} | "
                     f"{row['proposed_pairs']} | {row['precision']:.2f} | {row['recall']:.2f} | {row['ari']:.3f} | "
                     f"{row['themes_proposed']} ({row['themes_gold']}) |")
    for row in results["averages"]:
        lines.append(f"| **mean** | {row['method']} | | | | {row['precision']:.2f} | {row['recall']:.2f} | "
                     f"{row['ari']:.3f} | |")
    speed_row = results["speed"]
    lines += ["", f"## Speed at {speed_row['size']:,} suggestions on one question", "",
              "| measure | value | budget |", "|---|--:|--:|",
              f"| duplicate check of one new suggestion, p50 | {speed_row['check_p50_ms']} ms | |",
              f"| duplicate check, p95 ({speed_row['checks']} checks) | {speed_row['check_p95_ms']} ms | "
              f"{CHECK_P95_BUDGET_MS:g} ms |",
              f"| duplicate check, slowest (a re-weighing) | {speed_row['check_max_ms']} ms | |",
              f"| index of the question, memory | {speed_row['index_mb']} MB | |",
              f"| index built one suggestion at a time | {speed_row['index_build_s']} s | |",
              f"| theme proposals for all (best of 3) | {speed_row['themes_s']} s | {THEMES_BUDGET_S:g} s |",
              f"| theme proposals, peak memory | {speed_row['themes_peak_mb']} MB | |",
              f"| groups proposed | {speed_row['themes_proposed']} | |"]
    return "\n".join(lines) + "\n"


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    width = 0.27
    for axis, key, title in zip(axes, ("precision", "recall", "ari"),
                                ("duplicates: precision", "duplicates: recall", "themes: adjusted Rand index")):
        for offset, method, colour in zip((-width, 0, width), METHODS, ("tab:blue", "grey", "tab:orange")):
            values = [row[key] for row in results["quality"] if row["method"] == method]
            axis.bar([i + offset for i in range(len(LANGUAGES))], values, width, label=method, color=colour)
        axis.set_xticks(range(len(LANGUAGES)), LANGUAGES)
        axis.set_ylim(0, 1.05)
        axis.set_title(title)
        axis.grid(True, axis="y", alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def machine() -> str:
    import os
    load = ", load average {:.1f} at the start".format(os.getloadavg()[0]) if hasattr(os, "getloadavg") else ""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}{load}"


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    quality_rows = [row for language in LANGUAGES for row in quality(language)]
    for row in quality_rows:
        print(f"{row['language']} {row['method']:8} P {row['precision']:.2f} R {row['recall']:.2f} "
              f"ARI {row['ari']:.3f}", flush=True)
    results = {"machine": machine(), "quality": quality_rows, "averages": averages(quality_rows),
               "speed": speed(args.size, args.checks)}
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "synthesis.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    (args.out / "synthesis.md").write_text(markdown(results))
    plot(results, args.out / "synthesis.png")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
