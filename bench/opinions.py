"""The opinion-groups scenario: a run over 100,000 participants × 25 recommendations.

python -m bench.opinions [--participants 100000] [--recommendations 25] [--keep-db]
(or `python -m bench --only opinions`; `python -m bench` runs it after the others.)

Generates five planted camps of opinion (bench/opinion_data.py: each participant answers 80 %
of the recommendations, 5 % of stances random), writes them as positions, then runs the
service (results.opinions.services.opinion_groups_compute: read the positions through
values_list into numpy, PCA, k-means with k chosen by silhouette, summaries, store the run and
every membership) in a child process of its own, so that its peak RSS is the run's and not the
data generation's. Target: under 10 s and under 500 MB.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import datetime

TARGET_SECONDS = 10
TARGET_MB = 500


def create_data(*, participants: int, recommendations: int) -> dict:
    from accounts.models import StakeholderGroup
    from recommendations.models import Consultation

    from .opinion_data import create_positions, planted

    started = time.perf_counter()
    per_camp = participants // 5
    values, _truth = planted(
        camps=5, per_camp=per_camp, recommendations=recommendations, noise=0.05, seed=21
    )
    groups = list(StakeholderGroup.objects.order_by("position"))
    declared = [groups[i % len(groups)] for i in range(len(values))] if groups else None
    consultation = Consultation.objects.create(
        slug="bench-opinions", title="Bench: opinions", state=Consultation.State.OPEN
    )
    create_positions(consultation=consultation, values=values, declared=declared)
    return {
        "participants": len(values),
        "recommendations": recommendations,
        "positions": int((values == values).sum()),
        "seconds": round(time.perf_counter() - started, 1),
    }


def measure_here() -> dict:
    """In the child process: one run of the service, timed, with the process's peak RSS."""
    import django

    django.setup()
    from django.db import connection

    from recommendations.models import Consultation
    from results.opinions import services

    consultation = Consultation.objects.get(slug="bench-opinions")
    connection.ensure_connection()
    before = resource.getrusage(resource.RUSAGE_SELF)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    run = services.opinion_groups_compute(consultation=consultation, trigger="manual")
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    before_mb = before.ru_maxrss / 1024
    return {
        "seconds": round(seconds, 2),
        # This process's CPU time (SQLite runs in it; a PostgreSQL server's does not count):
        # on a machine shared with other work, nearer what the run costs than the wall time.
        "cpu_seconds": round(cpu, 2),
        "load_average": round(load, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_mb_before_run": round(before_mb, 1),
        "participants": run.participants,
        "positions": run.positions,
        "k": run.k,
        "silhouette": run.silhouette,
        "groups": [g["size"] for g in run.result["groups"]],
    }


def report(result: dict) -> str:
    ok = result["seconds"] < TARGET_SECONDS and result["peak_rss_mb"] < TARGET_MB
    return "\n".join(
        [
            f"opinions: {result['participants']:,} participants, {result['positions']:,} "
            f"positions: k={result['k']} (silhouette {result['silhouette']}), "
            f"groups of {result['groups']}",
            f"  time: {result['seconds']} s wall, {result['cpu_seconds']} s CPU "
            f"(target < {TARGET_SECONDS} s; load average {result['load_average']} on "
            f"{os.cpu_count()} CPUs at the start)",
            f"  memory: peak RSS {result['peak_rss_mb']} MB (target < {TARGET_MB} MB; "
            f"{result['rss_mb_before_run']} MB with Django and scikit-learn loaded)",
            f"  {'OK' if ok else 'OVER TARGET'}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.opinions", description="Times a run of the opinion groups."
    )
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--recommendations", type=int, default=25)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:  # the child process
        print(json.dumps(measure_here()))
        return 0

    from . import database
    from .server import BASE_DIR

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    bench_dir = BASE_DIR / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    target = database.target_from_environment(bench_dir)
    if target.server is None:  # a file of its own: a page bench may be running beside it
        target = database.Target("sqlite", str(bench_dir / "bench-opinions.sqlite3"))
        os.environ["BENCH_DATABASE"] = target.name
    print(f"bench: {target.describe()}", flush=True)
    database.create(target)
    try:
        import django
        from django.core.management import call_command
        from django.db import connection, connections

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        data = create_data(participants=args.participants, recommendations=args.recommendations)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        connections.close_all()
        print(f"bench: opinions data: {', '.join(f'{k} {v}' for k, v in data.items())}", flush=True)
        child = subprocess.run(
            [sys.executable, "-m", "bench.opinions", "--measure"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        )
        if child.returncode:
            print(child.stderr, file=sys.stderr)
            return 1
        result = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        if args.keep_db:
            print(f"bench: kept {target.describe()}")
        else:
            database.drop(target)
    print(report(result))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = bench_dir / f"opinions-{stamp}.json"
    out.write_text(json.dumps({"data": data, "opinions": result}, indent=2))
    print(f"bench: wrote {out.relative_to(BASE_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
