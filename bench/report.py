"""The table on the terminal and the JSON file under var/bench/."""

import json
from pathlib import Path

from .measure import Result, describe

COLUMNS = ("page", "server ms median/p95", "client ms median/p95", "queries", "worker RSS")


def _pair(values: list[float]) -> str:
    stats = describe(values)
    return f"{stats['median']:.1f} / {stats['p95']:.1f}" if stats else "-"


def table(results: list[Result]) -> str:
    rows = []
    for r in results:
        rss = f"{r.worker_peak_rss_kb / 1024:.0f} MB" if r.worker_peak_rss_kb else "-"
        label = f"{r.scenario}: {r.name}"
        if r.ok:
            rows.append((label, _pair(r.server_ms), _pair(r.client_ms), str(r.queries), rss))
        else:
            rows.append((label, f"FAILED: HTTP {r.status} {r.error[:40]}", "", "", ""))
    widths = [max(len(str(row[i])) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True))
        for row in [COLUMNS, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def write_json(path: Path, meta: dict, results: list[Result]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**meta, "results": [r.summary() for r in results]}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
