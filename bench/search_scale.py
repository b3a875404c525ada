"""python -m bench.search_scale [--comments N]: the search at size, on PostgreSQL.

Migrates the (empty) PostgreSQL database DATABASE_URL names, generates the pages scenario
(1,000 recommendations) and N published comments over them (default 300,000, a third with
"reimbursement"), then times `results.search.search` for that word: page 1, page 5 and the
keyset page 2, wall and CPU (the CPU is this process's: the rest is the database's).
"""

import argparse
import os
import statistics
import sys
import time

import django


def _time(label: str, call, repeat: int = 5) -> None:
    call()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        page = call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(
        f"{label}: {page.paginator.count} recommendations found, "
        f"median {statistics.median(walls) * 1000:.0f} ms wall, "
        f"{statistics.median(cpus) * 1000:.0f} ms CPU"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search_scale")
    parser.add_argument("--comments", type=int, default=300_000)
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench.search_scale: set DATABASE_URL to an empty PostgreSQL database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()

    from django.contrib.auth.models import AnonymousUser  # after setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import data
    from results.search import search

    call_command("migrate", verbosity=0)
    data.create_pages(recommendations=1000)
    data.create_dialogue(comments=1000)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO consultation_comment (recommendation_id, author_id, depth, body,
                   body_html, created_at, moderation_state)
               SELECT (SELECT min(id) FROM recommendations_recommendation) + mod(g, 1000),
                   (SELECT min(author_id) FROM consultation_comment), 0,
                   CASE WHEN mod(g, 3) = 0
                       THEN 'The reimbursement of this therapy takes too long, comment ' || g
                       ELSE 'Supply chain capacity in hospitals is a concern, comment ' || g
                   END, 'x', now(), 'published'
               FROM generate_series(1, %s) AS g""",
            [args.comments],
        )
        cursor.execute("ANALYZE")
    print(f"{args.comments} comments written in {time.perf_counter() - started:.0f} s")
    anonymous = AnonymousUser()
    first = search(query="reimbursement", user=anonymous)
    _time("page 1", lambda: search(query="reimbursement", user=anonymous))
    _time("page 5", lambda: search(query="reimbursement", user=anonymous, page=5))
    _time(
        "page 2 by keyset",
        lambda: search(query="reimbursement", user=anonymous, page=2, after=first.next_cursor),
    )


if __name__ == "__main__":
    main()
