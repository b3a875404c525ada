"""The import scenario: a seed file of 5,000 recommendations, and the hostile files refused.

python -m bench.seed_import [--recommendations 5000] [--keep-db]
(or `python -m bench --only import`; `python -m bench` runs it after the pages.)

Writes a YAML and a JSON file of N recommendations (10 pillars, 50 challenges, 2 advocates
and 2 challenges each, passages of ~40 words), imports the YAML (the first import, which
creates), imports it again (every record unchanged, nothing written), then the JSON into a
second consultation; each timed with its SQL statement count. Then refuses each file of
tests/seed_corpus/ and a 50 MB file through the command, each timed with the peak of
Python's allocations (tracemalloc). Targets: the import under 5 s, each refusal under 2 s
and 200 MB.
"""

import argparse
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

import yaml

WORDS = [
    "patient",
    "access",
    "supply",
    "chain",
    "regulatory",
    "trial",
    "hospital",
    "funding",
    "data",
    "evidence",
]
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "seed_corpus"


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def seed_document(slug: str, n: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    pillars = [{"code": f"P{i}", "title": f"Pillar {i}"} for i in range(1, 11)]
    challenges = [
        {"code": f"P{1 + i % 10}-C{i}", "pillar": f"P{1 + i % 10}", "title": _sentence(rng, 6)}
        for i in range(50)
    ]
    by_pillar = {
        p["code"]: [c["code"] for c in challenges if c["pillar"] == p["code"]] for p in pillars
    }
    recommendations = []
    for i in range(n):
        pillar = f"P{1 + i % 10}"
        recommendations.append(
            {
                "reference": f"{pillar}-R{i}",
                "pillar": pillar,
                "title": _sentence(rng, 8),
                "body": _sentence(rng, 30),
                "source": rng.choice(["panel", "organiser"]),
                "advocates": [
                    "industry",
                    {"advocate": "government", "as": "government officials"},
                ],
                "challenges": by_pillar[pillar][:2],
                "source_section": "Generated",
                "source_passage": _sentence(rng, 40),
            }
        )
    return {
        "consultation": {
            "slug": slug,
            "title": f"Import bench {slug}",
            "source_kinds": [
                {"code": "panel", "label": "From the panel"},
                {"code": "organiser", "label": "From the organiser"},
            ],
            "state": "open",
        },
        "advocates": [
            {"slug": "industry", "name": "Industry"},
            {"slug": "government", "name": "Government"},
        ],
        "pillars": pillars,
        "challenges": challenges,
        "recommendations": recommendations,
    }


def _timed_import(path: Path) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from .digests import QueryCounter

    counter = QueryCounter()
    out = io.StringIO()
    with connection.execute_wrapper(counter):
        started, cpu_started = time.perf_counter(), time.process_time()
        call_command("seed_recommendations", str(path), stdout=out)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "seconds": round(seconds, 2),
        # This process's own CPU time: on a shared machine, what the wall time would be alone
        # (on SQLite; PostgreSQL's own work is in its server process).
        "cpu_seconds": round(cpu, 2),
        "queries": counter.reads + counter.writes,
        "writes": counter.writes,
        # The recommendations' counts, from the command's last line.
        "summary": out.getvalue().strip().splitlines()[-1].rpartition("recommendations:")[2],
    }


def _refusal(path: Path) -> dict:
    from django.core.management import CommandError, call_command

    tracemalloc.start()
    started = time.perf_counter()
    try:
        call_command("seed_recommendations", str(path), stdout=io.StringIO())
        message = "NOT REFUSED"
    except CommandError as exc:
        message = str(exc).splitlines()[1] if "\n" in str(exc) else str(exc)
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "file": path.name,
        "seconds": round(seconds, 3),
        "peak_mb": round(peak / 2**20, 1),
        "message": message.rsplit("/", 1)[-1][:90],
    }


def measure(n: int = 5000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big_yaml = folder / f"bench-{n}.yaml"
        big_yaml.write_text(
            yaml.safe_dump(seed_document("bench-import", n), allow_unicode=True, sort_keys=False)
        )
        big_json = folder / f"bench-{n}.json"
        big_json.write_text(json.dumps(seed_document("bench-import-json", n)))
        imports = [_timed_import(big_yaml), _timed_import(big_yaml), _timed_import(big_json)]
        fifty = folder / "fifty-mb.yaml"
        with fifty.open("wb") as f:
            f.write(b"consultation: x\n" + b"#" * (50 * 2**20))
        refusals = [_refusal(p) for p in sorted(CORPUS.iterdir())] + [_refusal(fifty)]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"imports": imports, "refusals": refusals, "max_rss_mb": round(rss, 1)}


def report(result: dict) -> str:
    lines = ["", "Seed import (the command, in this process):"]
    for row in result["imports"]:
        lines.append(
            f"  {row['file']:<22} {row['bytes'] / 2**20:6.1f} MB {row['seconds']:7.2f} s "
            f"(CPU {row['cpu_seconds']:5.2f} s) {row['queries']:6} queries ({row['writes']} writes)"
            f"  recommendations:{row['summary']}"
        )
    lines.append("Hostile files refused:")
    for row in result["refusals"]:
        lines.append(
            f"  {row['file']:<22} {row['seconds']:7.3f} s {row['peak_mb']:7.1f} MB peak  "
            f"{row['message']}"
        )
    lines.append(f"Process peak RSS: {result['max_rss_mb']} MB")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed_import")
    parser.add_argument("--recommendations", type=int, default=5000)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)

    from . import database
    from .server import BASE_DIR

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    bench_dir = BASE_DIR / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    target = database.target_from_environment(bench_dir)
    if target.server is None:  # a file of its own: a page bench may be running beside it
        target = database.Target("sqlite", str(bench_dir / "bench-import.sqlite3"))
        os.environ["BENCH_DATABASE"] = target.name
    print(f"bench: {target.describe()}", flush=True)
    database.create(target)
    try:
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        result = measure(args.recommendations)
        connections.close_all()
    finally:
        database.drop(target, keep=args.keep_db)
    print(report(result))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = bench_dir / f"import-{stamp}.json"
    out.write_text(json.dumps({"database": target.vendor, **result}, indent=2))
    print(f"bench: wrote {out.relative_to(BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
