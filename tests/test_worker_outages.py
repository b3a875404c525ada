"""Five broker outages in a row: one real Celery worker, started with the Procfile's options
(the prefork pool, without gossip and mingle), on a private Redis that the test stops and
starts; after each outage the same worker process runs a task again and has logged no error
(issue 15, "Must show" f). With gossip on, kombu's Redis transport fails as the step restarts
after an outage (README, design notes)."""

import os
import queue
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app as celery_app

from .redis_server import needs_redis_server, private_redis  # noqa: F401
from .test_outbox_worker import database_url

ROOT = Path(__file__).resolve().parent.parent
OUTAGES = 5
pytestmark = [pytest.mark.worker, needs_redis_server]


def procfile_worker_options() -> list[str]:
    """The options `make run` starts the worker with (compose's are checked to match)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("worker:"):
            command = shlex.split(line.removeprefix("worker:"))
            return command[command.index("worker") + 1 :]
    raise AssertionError("the Procfile has no worker")


class Worker:
    """`celery worker` in a subprocess; its log lines read as they come."""

    def __init__(self, broker_url: str):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CELERY_BROKER_URL": broker_url,
            "DATABASE_URL": database_url(),  # migrated: the worker sweeps the outbox at start
        }
        options = procfile_worker_options()
        options[options.index("--concurrency") + 1] = "1"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", *options],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.log: list[str] = []
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.log.append(line)
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                if text in self.lines.get(timeout=left):
                    return True
            except queue.Empty:
                break
        return False

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return "".join(self.log)


def run_task(private_redis, worker: Worker, timeout: float = 60) -> bool:  # noqa: F811
    """Queue one of Celery's built-in tasks (a no-op without a result backend) on the
    private broker; True once the worker has run it."""
    queue_name = settings.CELERY_TASK_DEFAULT_QUEUE
    with celery_app.connection_for_write(url=private_redis.url()) as connection:
        result = celery_app.send_task(
            "celery.backend_cleanup", queue=queue_name, connection=connection
        )
    return worker.wait_for(f"celery.backend_cleanup[{result.id}] succeeded", timeout)


@pytest.mark.django_db
def test_the_same_worker_runs_tasks_after_five_broker_outages(private_redis):  # noqa: F811
    worker = Worker(private_redis.url())
    try:
        assert worker.wait_for("ready.", 60), worker.stop()
        assert run_task(private_redis, worker), worker.stop()
        pid = worker.process.pid
        for outage in range(1, OUTAGES + 1):
            private_redis.stop()
            assert worker.wait_for("Connection to broker lost", 30), (outage, worker.stop())
            time.sleep(2)  # the worker retries against a closed port meanwhile
            private_redis.start()
            assert run_task(private_redis, worker), (outage, worker.stop())
            assert worker.process.poll() is None and worker.process.pid == pid, (
                outage,
                worker.stop(),
            )
    finally:
        log = worker.stop()
    assert "Unrecoverable error" not in log, log
    assert "AttributeError" not in log, log
    errors = [line for line in log.splitlines() if "ERROR/" in line]
    assert all("consumer: Cannot connect to redis://" in line for line in errors), log
