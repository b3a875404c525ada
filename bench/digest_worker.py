"""One Celery worker of the digests bench (python -m bench.digest_worker), started by
bench/digests.py: the real worker (solo pool: one process, one batch at a time, as one
machine would run it) on the bench's database, broker and queue, e-mail to the counting
backend. It records each batch it runs (people, time, CPU, SQL statements with their time by
statement) and, when stopped, writes them to BENCH_WORKER_STATS with its peak RSS."""

import json
import os
import re
import resource
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from celery.signals import task_postrun, task_prerun, worker_shutdown  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

settings.CELERY_BROKER_URL = os.environ["BENCH_BROKER_URL"]
settings.CELERY_TASK_DEFAULT_QUEUE = os.environ["BENCH_QUEUE"]
settings.EMAIL_BACKEND = "bench.digests.DiscardingBackend"
settings.DIGEST_BATCH_SIZE = int(os.environ["DIGEST_BATCH_SIZE"])

from config.celery import app  # noqa: E402

NUMBERS = re.compile(r"\b\d+\b|%s")
BATCHES: list[dict] = []
CURRENT: dict = {}
STARTUP: dict = {}


def _statement(sql: str) -> str:
    """The statement without its numbers and placeholders, shortened: a key per query shape."""
    key = NUMBERS.sub("?", " ".join(sql.split()))
    return re.sub(r"(\?, )+\?", "?…", key)[:140]


def _wrapper(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        spent = time.perf_counter() - started
        key = _statement(sql)
        count, seconds = CURRENT["statements"].get(key, (0, 0.0))
        CURRENT["statements"][key] = (count + 1, seconds + spent)
        if sql.lstrip("( \n").upper().startswith("SELECT"):
            CURRENT["reads"] += 1
        else:
            CURRENT["writes"] += 1


def _rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory now (VmRSS) or at its highest (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


@task_prerun.connect
def _started(task=None, args=(), **kwargs):
    if not BATCHES:
        STARTUP["rss_mb_before_first_task"] = _rss_mb()
    CURRENT.clear()
    CURRENT.update(
        task=task.name,
        people=len(args[2]) if task.name.endswith("send_digest_batch") else 0,
        started=time.time(),
        cpu=time.process_time(),
        reads=0,
        writes=0,
        statements={},
    )
    connection.execute_wrappers.append(_wrapper)


@task_postrun.connect
def _finished(task=None, retval=None, **kwargs):
    if _wrapper in connection.execute_wrappers:
        connection.execute_wrappers.remove(_wrapper)
    CURRENT["seconds"] = time.time() - CURRENT["started"]
    CURRENT["cpu"] = time.process_time() - CURRENT["cpu"]
    CURRENT["report"] = retval if isinstance(retval, dict) else {}
    BATCHES.append(dict(CURRENT))


@worker_shutdown.connect
def _write_stats(**kwargs):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats = {
        "pid": os.getpid(),
        # The high-water mark of this program's own memory (VmHWM). Not ru_maxrss: Linux
        # carries it over the exec from the process that started this one (the bench, which
        # holds the data it generated: 520 MB at 100,000 people), whatever this one used.
        "peak_rss_mb": _rss_mb("VmHWM"),
        "rss_mb_at_end": _rss_mb(),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        **STARTUP,
        "batches": BATCHES,
    }
    with open(os.environ["BENCH_WORKER_STATS"], "w") as out:
        json.dump(stats, out)


if __name__ == "__main__":
    app.worker_main(
        ["worker", "--pool", "solo", "--without-mingle", "--without-gossip", "--without-heartbeat",
         "--loglevel", "INFO", "--queues", os.environ["BENCH_QUEUE"],
         "--hostname", f"bench-digests-{os.getpid()}@%h"]
    )  # fmt: skip
