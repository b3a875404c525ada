"""The digests scenario: a day's digests for 10,000 subscribers with activity.

python -m bench.digests [--people 10000] [--batch-size 500] [--keep-db]
(or `python -m bench --only digests`; `python -m bench` runs it after the pages.)

Generates the subscribers and a day of activity around them with bulk_create, then sends
the day's digests in this process exactly as the Celery batches do (services.digest_fan_out
with each batch run inline) to an e-mail backend that builds every message and discards it.
Reports the time, the SQL queries per 1,000 people (reads and writes apart), the process's
peak RSS, and the peak of Python's allocations over two batches sent again under tracemalloc
(slower: its time is not the one reported).
"""

import argparse
import json
import os
import random
import resource
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta

from django.core.mail.backends.base import BaseEmailBackend

SENT = {"messages": 0, "bytes": 0}


class DiscardingBackend(BaseEmailBackend):
    """Builds each message as SMTP would send it, counts it, and drops it."""

    def send_messages(self, email_messages):
        for message in email_messages:
            SENT["bytes"] += len(message.message().as_bytes())
            SENT["messages"] += 1
        return len(email_messages)


class QueryCounter:
    """connection.execute_wrapper: counts statements without keeping them."""

    def __init__(self):
        self.reads = self.writes = 0

    def __call__(self, execute, sql, params, many, context):
        # A UNION reads too: PostgreSQL's starts "(SELECT".
        if sql.lstrip("( \n").upper().startswith("SELECT"):
            self.reads += 1
        else:
            self.writes += 1
        return execute(sql, params, many, context)


def create_data(*, people: int = 10_000, seed: int = 7) -> dict:
    """Subscribers (daily), nine in ten of them following recommendations and interested in
    a pillar, and a day of activity: comments, replies to theirs, positions, amendments
    proposed and decided, new wordings, status changes and decisions on their content."""
    from allauth.account.models import EmailAddress
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import StakeholderGroup, User
    from consultation.models import Amendment, Comment, Follow, Position
    from digests.models import RecommendationStatusChange
    from digests.periods import period_due
    from notifications.models import Notification
    from recommendations.models import (
        Consultation,
        Pillar,
        Recommendation,
        RecommendationVersion,
    )

    rng = random.Random(seed)
    period = period_due("daily")
    before = period.start - timedelta(days=3)

    def during() -> datetime:
        return period.start + timedelta(seconds=rng.randrange(24 * 3600 - 1))

    started = time.perf_counter()
    with transaction.atomic():
        consultation = Consultation.objects.create(
            slug="bench-digests",
            title="Bench: digests",
            state=Consultation.State.OPEN,
            opens_at=before - timedelta(days=30),
            closes_at=period.end + timedelta(days=365),
        )
        pillars = Pillar.objects.bulk_create(
            Pillar(consultation=consultation, code=f"P{i}", position=i, title=f"Pillar {i}")
            for i in range(1, 4)
        )
        recs = Recommendation.objects.bulk_create(
            Recommendation(
                consultation=consultation,
                pillar=pillars[i % 3],
                reference=f"P{i % 3 + 1}-R{i // 3 + 1}",
                position=i,
                title=f"Recommendation {i}",
                body="What should be done.",
            )
            for i in range(300)
        )
        versions = RecommendationVersion.objects.bulk_create(
            RecommendationVersion(
                recommendation=r, number=1, title=r.title, body=r.body, created_at=before
            )
            for r in recs
        )
        version_of = {v.recommendation_id: v for v in versions}
        groups = list(StakeholderGroup.objects.all())
        password = "!"  # unusable: nobody signs in
        speakers = User.objects.bulk_create(
            User(
                email=f"speaker{i}@bench.example",
                display_name=f"Speaker {i}",
                password=password,
                digest_frequency="off",
                stakeholder_group=groups[i % len(groups)] if groups else None,
            )
            for i in range(200)
        )
        subscribers = User.objects.bulk_create(
            (
                User(
                    email=f"subscriber{i}@bench.example",
                    display_name=f"Subscriber {i}",
                    password=password,
                    digest_frequency="daily",
                    language=rng.choice(["en", "fr", "nl", "de"]),
                    stakeholder_group=rng.choice(groups) if groups else None,
                )
                for i in range(people)
            ),
            batch_size=2000,
        )
        EmailAddress.objects.bulk_create(
            (EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in subscribers),
            batch_size=2000,
        )
        active = subscribers[: people * 9 // 10]  # the last tenth: nothing new, skipped
        Through = User.pillars_of_interest.through
        Through.objects.bulk_create(
            (Through(user_id=u.pk, pillar_id=rng.choice(pillars).pk) for u in active),
            batch_size=5000,
        )
        follows = {u.pk: rng.sample(recs, 5) for u in active}
        Follow.objects.bulk_create(
            (Follow(user=u, recommendation=r) for u in active for r in follows[u.pk]),
            batch_size=5000,
        )
        theirs = Comment.objects.bulk_create(
            (
                Comment(
                    recommendation=follows[u.pk][0],
                    author=u,
                    body="My view.",
                    body_html="<p>My view.</p>",
                    created_at=before,
                )
                for u in active[: people * 3 // 10]
            ),
            batch_size=5000,
        )
        replies = Comment.objects.bulk_create(
            (
                Comment(
                    recommendation_id=c.recommendation_id,
                    parent=c,
                    root=c,
                    depth=1,
                    author=rng.choice(speakers),
                    body="A reply to your comment, with a few words of substance in it.",
                    body_html="<p>A reply.</p>",
                    created_at=during(),
                )
                for c in rng.sample(theirs, min(len(theirs), people // 5))
            ),
            batch_size=5000,
        )
        comments = Comment.objects.bulk_create(
            (
                Comment(
                    recommendation=rng.choice(recs),
                    author=rng.choice(speakers),
                    body="A new point.",
                    body_html="<p>A new point.</p>",
                    created_at=during(),
                )
                for _ in range(3000)
            ),
            batch_size=5000,
        )
        positions = Position.objects.bulk_create(
            (
                Position(
                    recommendation=r,
                    author=s,
                    stance=rng.choice(["endorse", "oppose", "reservations"]),
                    reason="Because.",
                    version=version_of[r.pk],
                    created_at=(at := during() if rng.random() < 0.7 else before),
                    updated_at=at,
                )
                for s in speakers
                for r in rng.sample(recs, 10)
            ),
            batch_size=5000,
        )
        amendments = Amendment.objects.bulk_create(
            Amendment(
                recommendation=r,
                author=rng.choice(speakers),
                base_version=version_of[r.pk],
                title=f"Amendment to {r.reference}",
                body="Other wording.",
                justification="Better.",
                created_at=during() if i % 3 else before,
            )
            for i, r in enumerate(rng.sample(recs, 150))
        )
        decided = [a for a in amendments if a.created_at == before]
        for a in decided:
            a.status = rng.choice([Amendment.Status.ACCEPTED, Amendment.Status.REJECTED])
            a.decided_at = during()
        Amendment.objects.bulk_update(decided, ["status", "decided_at"])
        RecommendationVersion.objects.bulk_create(
            RecommendationVersion(
                recommendation=r, number=2, title=f"{r.title}, reworded", created_at=during()
            )
            for r in rng.sample(recs, 30)
        )
        RecommendationStatusChange.objects.bulk_create(
            RecommendationStatusChange(
                recommendation=r, old_status="open", new_status="under_review", changed_at=during()
            )
            for r in rng.sample(recs, 15)
        )
        Notification.objects.bulk_create(
            Notification(
                user=u,
                kind=Notification.Kind.DECISION,
                message="Your comment was hidden: off topic.",
                created_at=during(),
            )
            for u in rng.sample(active, people // 20)
        )
    # As autovacuum would have by 07:00: planner statistics for the freshly loaded tables.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "subscribers": people,
        "with_activity": len(active),
        "follows": len(active) * 5,
        "replies_to_theirs": len(replies),
        "comments": len(comments),
        "positions": len(positions),
        "amendments": len(amendments),
        "period_start": period.start_date.isoformat(),
        "generated_at": timezone.now().isoformat(),
        "seconds": round(time.perf_counter() - started, 1),
    }


class _Enough(Exception):
    pass


def _run_once(*, batches: int | None = None) -> int:
    """The fan-out with each batch run here; stops after `batches` batches if given."""
    from digests import services

    done = []

    def run_batch(frequency, start, ids):
        if batches is not None and len(done) >= batches:
            raise _Enough
        services.digest_send_batch(
            frequency=frequency, period_start=date.fromisoformat(start), user_ids=ids
        )
        done.append(len(ids))

    try:
        return services.digest_fan_out(frequency="daily", run_batch=run_batch)
    except _Enough:
        return sum(done)


def measure(*, batch_size: int = 500, memory: bool = True) -> dict:
    """Send the day's digests, timed and counted; then forget the records and send two
    batches again under tracemalloc for the peak memory."""
    from django.test.utils import override_settings

    with override_settings(
        EMAIL_BACKEND="bench.digests.DiscardingBackend", DIGEST_BATCH_SIZE=batch_size
    ):
        return _measure(batch_size=batch_size, memory=memory)


def _measure(*, batch_size: int, memory: bool) -> dict:
    from django.db import connection

    from digests import selectors
    from digests.models import DigestRecord

    SENT.update(messages=0, bytes=0)
    counter = QueryCounter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        handed = _run_once()
        seconds = time.perf_counter() - started
    statuses = _statuses(DigestRecord)
    per_1000 = 1000 / handed if handed else 0
    result = {
        "people": handed,
        "batch_size": batch_size,
        "batches": -(-handed // batch_size) if batch_size else 0,
        "records": statuses,
        "emails": SENT["messages"],
        "average_email_kb": round(SENT["bytes"] / SENT["messages"] / 1024, 1)
        if SENT["messages"]
        else 0,
        "seconds": round(seconds, 2),
        "ms_per_person": round(1000 * seconds / handed, 2) if handed else 0,
        "queries": counter.reads + counter.writes,
        "queries_per_1000_people": round((counter.reads + counter.writes) * per_1000, 1),
        "reads_per_1000_people": round(counter.reads * per_1000, 1),
        "writes_per_1000_people": round(counter.writes * per_1000, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "process_peak_rss_mb_before_sending": round(rss_before / 1024, 1),
    }
    if memory:
        # Memory is held per batch (nothing outlives one but the parts of digests rendered
        # once, a bounded cache, cleared here): two batches under tracemalloc, which slows
        # everything down, tell the peak.
        DigestRecord.objects.all().delete()
        selectors.shared_fragments().clear()  # the parts rendered once count too
        tracemalloc.start()
        _run_once(batches=2)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result["python_peak_mb_while_sending"] = round(peak / 1024 / 1024, 1)
    return result


def _statuses(model) -> dict:
    from django.db.models import Count

    return dict(model.objects.values_list("status").annotate(n=Count("pk")).order_by())


def report(result: dict) -> str:
    lines = [
        f"digests: {result['people']:,} people in {result['batches']} batches of "
        f"{result['batch_size']}: {result['emails']:,} e-mails "
        f"(~{result['average_email_kb']} KB each), records {result['records']}",
        f"  time: {result['seconds']} s ({result['ms_per_person']} ms a person)",
        f"  SQL: {result['queries_per_1000_people']} queries per 1,000 people "
        f"({result['reads_per_1000_people']} reads, {result['writes_per_1000_people']} writes: "
        "the reads and the claims a fixed number per batch; one mark per e-mail sent, "
        "as exactly-once wants it)",
        f"  memory: process peak RSS {result['process_peak_rss_mb']} MB "
        f"({result['process_peak_rss_mb_before_sending']} MB before sending)",
    ]
    if "python_peak_mb_while_sending" in result:
        lines.append(
            f"  memory: Python peak while sending a batch (tracemalloc) "
            f"{result['python_peak_mb_while_sending']} MB"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.digests", description="Times a day's digests for many people."
    )
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)

    from . import database
    from .server import BASE_DIR

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    bench_dir = BASE_DIR / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    target = database.target_from_environment(bench_dir)
    if target.server is None:  # a file of its own: a page bench may be running beside it
        target = database.Target("sqlite", str(bench_dir / "bench-digests.sqlite3"))
        os.environ["BENCH_DATABASE"] = target.name
    print(f"bench: {target.describe()}", flush=True)
    database.create(target)
    try:
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        data = create_data(people=args.people)
        print(f"bench: digests data: {', '.join(f'{k} {v}' for k, v in data.items())}", flush=True)
        result = measure(batch_size=args.batch_size, memory=not args.no_memory)
        connections.close_all()
    finally:
        if args.keep_db:
            print(f"bench: kept {target.describe()}")
        else:
            database.drop(target)
    print(report(result))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = bench_dir / f"digests-{stamp}.json"
    out.write_text(json.dumps({"data": data, "digests": result}, indent=2))
    print(f"bench: wrote {out.relative_to(BASE_DIR)}")
    return 0


if __name__ == "__main__":
    # Run as the module Django imports ("bench.digests"), whose DiscardingBackend counts.
    from importlib import import_module

    sys.exit(import_module("bench.digests").main())
