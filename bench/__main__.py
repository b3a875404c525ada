"""python -m bench [--only pages|dialogue|responses|digests|import|opinions] [--requests N]

Creates a database of its own, migrates it, generates the scenarios' data, serves it with
gunicorn (2 workers) and times each page: the server's time (X-Server-Time-Ms, added by
bench.middleware) and the client's round trip, with the SQL query count of each request.
Prints a table and writes var/bench/<timestamp>.json. Exits non-zero if a page does not
answer 200 or its query count varies between requests.
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import datetime

from . import database
from .measure import Page, Result
from .server import BASE_DIR, Gunicorn

# import: bench/seed_import.py, in-process; digests and opinions: bench/digests.py (with
# Celery workers) and bench/opinions.py, each on its own database, after them.
SCENARIOS = ("pages", "dialogue", "responses", "digests", "import", "opinions")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Times pages served by gunicorn."
    )
    parser.add_argument("--only", choices=SCENARIOS, help="run one scenario (default: both)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--keep-db", action="store_true", help="keep the bench database afterwards (to inspect it)"
    )
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    return args


def build(scenarios: list[str]) -> tuple[list[Page], dict, list[str]]:
    """Generates each scenario's data; returns the pages to time, the data's counts, notes."""
    from django.urls import NoReverseMatch, reverse

    from . import data

    pages: list[Page] = []
    counts: dict[str, dict] = {}
    notes: list[str] = []
    if "pages" in scenarios:
        started = time.perf_counter()
        d = data.create_pages()
        counts["pages"] = {**d.counts, "seconds": round(time.perf_counter() - started, 1)}
        listing = reverse("recommendations:list", args=[d.slug])
        middle = d.references[len(d.references) // 2]
        pages += [
            Page("pages", "home", reverse("recommendations:home")),
            Page("pages", "recommendation list, page 1", listing),
            Page(
                "pages",
                "recommendation list, filtered, page 2",
                f"{listing}?q=patient&pillar={d.pillar_codes[1]}&source=panel&page=2",
            ),
            Page("pages", "pillar", reverse("recommendations:pillar", args=[d.slug, "P2"])),
            Page(
                "pages",
                "recommendation detail",
                reverse("recommendations:detail", args=[d.slug, middle]),
            ),
        ]
    if "dialogue" in scenarios:
        started = time.perf_counter()
        d = data.create_dialogue()
        counts["dialogue"] = {**d.counts, "seconds": round(time.perf_counter() - started, 1)}
        detail = reverse("recommendations:detail", args=[d.slug, d.reference])
        pages += [
            Page("dialogue", "recommendation with its dialogue", detail),
            Page(
                "dialogue", "same, comments page 2, newest first", f"{detail}?order=newest&page=2"
            ),
        ]
        try:
            permalink = reverse(
                "consultation:comment", args=[d.slug, d.reference, d.permalink_comment_id]
            )
        except NoReverseMatch:
            notes.append("comment permalink skipped: no URL named consultation:comment yet")
        else:
            pages.append(Page("dialogue", "comment permalink (longest thread)", permalink))
    if "responses" in scenarios:
        from .responses import create_responses

        started = time.perf_counter()
        d = create_responses()
        counts["responses"] = {**d.counts, "seconds": round(time.perf_counter() - started, 1)}
        pages += [
            Page(
                "responses", "you said, we did", reverse("responses:you_said_we_did", args=[d.slug])
            ),
            Page("responses", "synopsis", reverse("responses:synopsis", args=[d.slug])),
            Page("responses", "synopsis JSON", reverse("responses:synopsis_json", args=[d.slug])),
        ]
    return pages, counts, notes


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.only == "digests":  # no pages to serve: bench/digests.py on its own
        from .digests import main as digests_main

        return digests_main(["--keep-db"] if args.keep_db else [])
    if args.only == "import":  # the seed import and the hostile files: bench/seed_import.py
        from .seed_import import main as import_main

        return import_main(["--keep-db"] if args.keep_db else [])
    if args.only == "opinions":  # a computation, no pages: bench/opinions.py on its own
        from .opinions import main as opinions_main

        return opinions_main(["--keep-db"] if args.keep_db else [])
    scenarios = [args.only] if args.only else [s for s in SCENARIOS if s != "opinions"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    bench_dir = BASE_DIR / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    target = database.target_from_environment(bench_dir)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    results: list[Result] = []
    meta: dict = {}

    print(f"bench: {target.describe()}", flush=True)
    database.create(target)
    try:
        import django
        from django.core.management import call_command
        from django.db import connection, connections

        django.setup()
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"bench: migrated in {time.perf_counter() - started:.1f}s", flush=True)
        pages, counts, notes = build(scenarios)
        # Planner statistics for the rows just generated, as autovacuum (or SQLite's
        # optimize) would have them by the time anyone reads a page.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        for name, c in counts.items():
            print(f"bench: {name} data: {', '.join(f'{k} {v}' for k, v in c.items())}", flush=True)
        meta = {
            "started_at": stamp,
            "database": {
                "vendor": connection.vendor,
                "version": ".".join(map(str, connection.Database.sqlite_version_info))
                if connection.vendor == "sqlite"
                else connection.cursor().connection.info.server_version,
            },
            "requests_per_page": args.requests,
            "warmup_per_page": args.warmup,
            "gunicorn": {"workers": args.workers, "worker_class": "gthread", "threads": 1},
            "machine": {
                "python": platform.python_version(),
                "django": django.get_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            },
            "commit": _git_commit(),
            "data": counts,
            "notes": notes,
        }
        connections.close_all()

        from . import measure

        with Gunicorn(workers=args.workers, log_path=bench_dir / "gunicorn.log") as server:
            print(
                f"bench: gunicorn on {server.host}:{server.port}, {args.workers} workers; "
                f"{args.requests} requests per page",
                flush=True,
            )
            for page in pages:
                measure.warm_up(server.host, server.port, page, args.warmup)
                result = measure.run(server.host, server.port, page, args.requests)
                result.worker_peak_rss_kb = server.peak_rss_kb()
                results.append(result)
                print(f"  {page.scenario}: {page.name} {page.path} -> {result.status}", flush=True)
            meta["worker_peak_rss_kb"] = server.peak_rss_kb()
            meta["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        if "import" in scenarios:  # last, in this process: 5,000 recommendations, hostile files
            from . import seed_import as import_bench

            meta["import"] = import_bench.measure()
            print(import_bench.report(meta["import"]), flush=True)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django never started: nothing to close
            pass
        database.drop(target, keep=args.keep_db)
        if args.keep_db:
            print(f"bench: kept {target.describe()}")

    print()
    from .report import table, write_json

    print(table(results))
    for note in meta.get("notes", []):
        print(f"note: {note}")
    out = bench_dir / f"{stamp}.json"
    write_json(out, meta, results)
    print(f"\nbench: wrote {out.relative_to(BASE_DIR)}")

    failed = [r for r in results if not r.ok]
    varying = [r for r in results if r.ok and isinstance(r.queries, str)]
    for r in failed:
        print(f"bench: FAILED {r.path}: HTTP {r.status} {r.error[:200]}", file=sys.stderr)
    if failed:
        print("bench: the server's log is var/bench/gunicorn.log", file=sys.stderr)
    for r in varying:
        print(f"bench: FAILED {r.path}: query count varied ({r.queries})", file=sys.stderr)
    status = 1 if failed or varying else 0
    if not args.only:  # last, each in a process and on a database of its own: the digests
        # (100,000 subscribers, sent by Celery workers) and the opinion groups
        env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE"}
        for module in ("bench.digests", "bench.opinions"):
            done = subprocess.run([sys.executable, "-m", module], cwd=BASE_DIR, env=env)
            status = done.returncode or status
    return status


if __name__ == "__main__":
    sys.exit(main())
