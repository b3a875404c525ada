"""python -m bench.scale load --size S|M|L | measure | report

`load` grows the PostgreSQL database named by DATABASE_URL (created if missing) to a size;
`measure` serves it with gunicorn (2 workers) and times every heavy page and API call, writing
var/bench/scale-<size>-<timestamp>.json; `report` prints the latest measurement of each size side
by side, with each page's p50 at L (or the largest size measured) over its p50 at S.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime

from bench.server import BASE_DIR, Gunicorn

OUT = BASE_DIR / "var" / "bench"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "bench.scale: DATABASE_URL must name a PostgreSQL database (COPY loads it), e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale"
        )
    return url


def _ensure_database(url: str) -> None:
    import environ
    import psycopg
    from psycopg import sql

    cfg = environ.Env.db_url_config(url)
    with psycopg.connect(
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if exists.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))


def _setup() -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.scale.settings"
    django.setup()


def _size_of(counts: dict) -> str:
    from .load import SIZES

    # Within a hundredth: the measuring moderator and a rounding of the load are no other size.
    fits = [name for name, s in SIZES.items() if counts["positions"] >= 0.99 * s.positions]
    return fits[-1] if fits else "below S"


def cmd_load(args) -> int:
    url = _database_url()
    _ensure_database(url)
    _setup()
    from django.core.management import call_command

    from .load import load

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"bench.scale: migrated in {time.perf_counter() - started:.1f}s", flush=True)
    result = load(args.size)
    print(f"bench.scale: {json.dumps(result)}")
    return 0


def cmd_measure(args) -> int:
    _database_url()
    _setup()
    from django.db import connections

    from . import measure

    counts = measure.counts()
    size = _size_of(counts)
    connections.close_all()
    OUT.mkdir(parents=True, exist_ok=True)
    with Gunicorn(
        workers=args.workers, log_path=OUT / "scale-gunicorn.log", settings="bench.scale.settings"
    ) as server:
        print(f"bench.scale: {counts} (size {size}), gunicorn {args.workers} workers", flush=True)
        rows = measure.measure(server)
    result = {
        "size": size,
        "counts": counts,
        "measured_at": datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "pages": rows,
    }
    out = OUT / f"scale-{size}-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2))
    print(table([result]))
    print(f"bench.scale: wrote {out.relative_to(BASE_DIR)}")
    failed = [r for r in rows if r["status"] != 200 or r["error"]]
    for r in failed:
        print(f"bench.scale: FAILED {r['path']}: {r['status']} {r['error'][:200]}", file=sys.stderr)
    return 1 if failed else 0


def latest(size: str, runs: int = 1) -> dict | None:
    """The latest measurement of a size; of several (`runs`), each page's median p50 (a
    shared machine's pace moves between runs more than a page's cost does)."""
    files = sorted(OUT.glob(f"scale-{size}-*.json"))[-runs:]
    if not files:
        return None
    results = [json.loads(f.read_text()) for f in files]
    last = results[-1]
    for page in last["pages"]:
        p50s = [
            p["p50_ms"]
            for r in results
            for p in r["pages"]
            if p["name"] == page["name"] and p.get("p50_ms") is not None
        ]
        page["p50_ms"] = round(statistics.median(p50s), 1) if p50s else None
        page["runs"] = len(p50s)
    return last


def table(results: list[dict]) -> str:
    sizes = [r["size"] for r in results]
    names = [p["name"] for p in results[0]["pages"]]
    head = (
        ["page"] + [f"{s} p50 ms" for s in sizes] + [f"{sizes[-1]}/{sizes[0]}"] * (len(sizes) > 1)
    )
    head += ["4 conn p50", "queries", "KB", "worker MB"]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    by_size = [{p["name"]: p for p in r["pages"]} for r in results]
    for name in names:
        cells = [name]
        p50s = [pages.get(name, {}).get("p50_ms") for pages in by_size]
        cells += [f"{v}" if v is not None else "-" for v in p50s]
        if len(sizes) > 1:
            ratio = p50s[-1] / p50s[0] if p50s[0] and p50s[-1] else None
            cells.append(f"{ratio:.2f}x" if ratio else "-")
        last = by_size[-1].get(name, {})
        cells += [
            str(last.get("concurrent_p50_ms")),
            ",".join(map(str, last.get("queries", []))),
            str(last.get("kb")),
            str(last.get("worker_peak_rss_mb")),
        ]
        lines.append(" | ".join(cells))
    for pages in by_size[-1:]:
        for name, ceiling in (
            ("recommendation list", "ceiling: list"),
            ("heaviest recommendation", "ceiling: heavy item"),
        ):
            page, bare = pages.get(name, {}), pages.get(ceiling, {})
            if page.get("p50_ms") and bare.get("p50_ms"):
                lines.append(
                    f"{name}: {bare['p50_ms'] / page['p50_ms']:.2f} of bare Django's ceiling "
                    f"({page.get('items')} items)"
                )
    return "\n".join(lines)


def cmd_report(args) -> int:
    results = [r for r in (latest(s, args.runs) for s in ("S", "M", "L")) if r]
    if not results:
        print("bench.scale: nothing measured yet (python -m bench.scale measure)", file=sys.stderr)
        return 1
    print(table(results))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="grow the database to a size")
    load.add_argument("--size", choices=("S", "M", "L"), required=True)
    load.set_defaults(run=cmd_load)
    measure = sub.add_parser("measure", help="time every heavy page at the current size")
    measure.add_argument("--workers", type=int, default=2)
    measure.set_defaults(run=cmd_measure)
    report = sub.add_parser("report", help="the latest measurement of each size side by side")
    report.add_argument(
        "--runs", type=int, default=1, help="each page's median p50 over a size's latest runs"
    )
    report.set_defaults(run=cmd_report)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
