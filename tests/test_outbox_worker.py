"""The outbox through real processes (issue 15): a Celery worker (and, in the first test, beat)
in subprocesses on this run's database, their e-mail written as .eml files to a temporary
folder. (a) The broker is stopped while 50 replies are posted through the API: every request
succeeds, no task can be queued; the broker back, beat's sweep hands the rows to the worker,
which was running all along, and each e-mail goes out once. (b) The worker is killed
(SIGKILL) while it sends: a worker started afterwards sweeps at its start, and every e-mail
goes out once, with the Message-ID recorded before the hand-off.

The lease and the sweep's interval are shortened here (seconds, not minutes) so that the
tests take seconds."""

import email
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from email.policy import default as email_policy
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from rest_framework.test import APIClient

from config.celery import app as celery_app
from consultation import services as dialogue
from notifications.models import Outbox

from .redis_server import needs_redis_server, private_redis  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
REPLIES = 50
LEASE = 3  # seconds

# The worker: the test settings, its e-mail to .eml files, the outbox's lease shortened, and
# each message held back a moment before it is written (so that a test can kill it there).
WORKER = """
import os, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
from django.conf import settings
settings.EMAIL_BACKEND = "config.mail.EmlFileBackend"
settings.EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
settings.OUTBOX_LEASE_SECONDS = float(os.environ["OUTBOX_LEASE_SECONDS"])
delay = float(os.environ["SEND_DELAY"])
if delay:
    from config.mail import EmlFileBackend
    write = EmlFileBackend.send_messages
    EmlFileBackend.send_messages = lambda self, messages: time.sleep(delay) or write(self, messages)
from config.celery import app
app.worker_main(["worker", "--pool", "solo", "--without-mingle", "--without-gossip",
                 "--loglevel", "INFO"])
"""


def database_url() -> str:
    """The test database, for a worker started by a test (it sweeps the outbox at start)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}@{host}/{db['NAME']}"


def environment(broker_url: str, **extra) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        **extra,
    }


class Processes:
    """The worker and beat the test starts; each stopped (its log kept) at the end."""

    def __init__(self, mail_dir: Path, broker_url: str):
        self.mail_dir, self.broker_url = mail_dir, broker_url
        self.running: list[subprocess.Popen] = []
        self.logs: list[str] = []

    def _start(self, command: list[str], **extra) -> subprocess.Popen:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment(self.broker_url, **extra),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.running.append(process)
        return process

    def worker(self, *, delay: float = 0) -> subprocess.Popen:
        return self._start(
            [sys.executable, "-c", WORKER],
            EMAIL_FILE_PATH=str(self.mail_dir),
            OUTBOX_LEASE_SECONDS=str(LEASE),
            SEND_DELAY=str(delay),
        )

    def beat(self) -> subprocess.Popen:
        return self._start(
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
            BEAT_HEARTBEAT_FILE=str(self.mail_dir.parent / "beat-heartbeat"),
        )

    def kill(self, process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGKILL)
        self.logs.append(process.communicate()[0])

    def stop_all(self) -> str:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
            try:
                self.logs.append(process.communicate(timeout=20)[0])
            except subprocess.TimeoutExpired:
                process.kill()
                self.logs.append(process.communicate()[0])
        self.running = []
        return "\n".join(self.logs)


def sent_messages(mail_dir: Path) -> list:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email_policy)
        for p in sorted(mail_dir.glob("*.eml"))
    ]


def until(condition, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def assert_each_sent_once(mail_dir: Path, addresses: list[str], log: str) -> None:
    """One message per address, each the Message-ID its row recorded before the hand-off."""
    found = sent_messages(mail_dir)
    assert Counter(m["To"] for m in found) == Counter(addresses), log
    rows = Outbox.objects.all()
    assert {r.status for r in rows} == {"sent"}, log
    assert {m["Message-ID"] for m in found} == {r.message_id for r in rows}
    assert all(m["Auto-Submitted"] == "auto-generated" for m in found)


@pytest.fixture
def processes(tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    started = Processes(mail_dir, settings.CELERY_BROKER_URL)
    yield started
    started.stop_all()


@pytest.fixture
def broker_on_private_redis(private_redis, processes, monkeypatch):  # noqa: F811
    """This process's tasks, the worker and beat on the private Redis, which the test stops."""
    # Celery reads the variable before its setting (CI sets it for the Redis run).
    monkeypatch.setenv("CELERY_BROKER_URL", private_redis.url(0))
    monkeypatch.setitem(celery_app.conf, "broker_url", private_redis.url(0))
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    processes.broker_url = private_redis.url(0)
    yield private_redis
    pool = celery_app._pool
    monkeypatch.undo()
    # Fresh pools for the run's own broker at their next use, whatever this test left.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    if pool is not None:
        pool.force_close_all()


@pytest.fixture
def threads(make_person, recommendation_factory):
    """REPLIES people, each with a comment on R1 (and e-mails for replies, the default), and
    Olga, who will reply to each."""
    recommendation = recommendation_factory(reference="R1")
    people = [make_person(f"p{i}@example.org", display_name=f"P{i}") for i in range(REPLIES)]
    comments = [
        dialogue.comment_create(author=p, recommendation=recommendation, body="My view.")
        for p in people
    ]
    olga = make_person("olga@example.org", display_name="Olga Other")
    return recommendation, comments, olga


def beat_sweeps_every_two_seconds() -> None:
    """The sweep's schedule shortened; beat's other schedules off for the test."""
    PeriodicTask.objects.exclude(task="notifications.tasks.sweep_outbox").update(enabled=False)
    fast, _ = IntervalSchedule.objects.get_or_create(every=2, period="seconds")
    PeriodicTask.objects.filter(task="notifications.tasks.sweep_outbox").update(interval=fast)


@pytest.mark.worker
@needs_redis_server
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_replies_posted_while_the_broker_is_down_are_each_emailed_once_when_it_is_back(
    broker_on_private_redis, processes, threads, settings, caplog
):
    recommendation, comments, olga = threads
    settings.RATELIMIT_RATES = {**settings.RATELIMIT_RATES, "comment": "1000/m"}
    worker = processes.worker()
    assert until(lambda: Outbox.objects.count() == 0 and worker.poll() is None, timeout=5)
    time.sleep(3)  # the worker is up (its first sweep found nothing)

    broker_on_private_redis.stop()
    api = APIClient()
    api.force_authenticate(olga)
    url = f"/api/consultations/{recommendation.consultation.slug}/recommendations/R1/comments/"
    for comment in comments:
        answer = api.post(url, {"body": "Agreed.", "parent": comment.pk})
        assert answer.status_code == 201, answer.content
    assert Outbox.objects.filter(status="pending").count() == REPLIES  # no task was queued
    assert "Broker unavailable, outbox rows left to the sweep" in caplog.text

    broker_on_private_redis.start()
    beat_sweeps_every_two_seconds()
    processes.beat()
    done = until(lambda: Outbox.objects.filter(status="sent").count() == REPLIES, timeout=90)
    log = processes.stop_all()
    assert done, log
    assert_each_sent_once(processes.mail_dir, [c.author.email for c in comments], log)
    assert "notifications.tasks.sweep_outbox" in log


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_while_sending_loses_nothing_and_sends_nothing_twice(
    processes, make_person, recommendation_factory
):
    with celery_app.connection_for_write() as broker:
        celery_app.control.purge(connection=broker)  # nothing of another test's
    recommendation = recommendation_factory(reference="R1")
    people = [make_person(f"k{i}@example.org", display_name=f"K{i}") for i in range(5)]
    olga = make_person("olga@example.org", display_name="Olga Other")
    comments = [
        dialogue.comment_create(author=p, recommendation=recommendation, body="Mine.")
        for p in people
    ]
    worker = processes.worker(delay=1.0)
    for comment in comments:  # five commits: five tasks queued
        dialogue.comment_create(
            author=olga, recommendation=recommendation, body="Agreed.", parent=comment
        )
    # Two written; the worker holds the third (claimed, not written) for a second: kill it.
    claimed = Outbox.objects.filter(status="claimed")
    sent = Outbox.objects.filter(status="sent")
    assert until(lambda: sent.count() == 2 and claimed.exists(), timeout=60), processes.stop_all()
    processes.kill(worker)
    assert len(sent_messages(processes.mail_dir)) == 2
    assert claimed.count() == 1
    time.sleep(LEASE)  # the dead worker's lease runs out

    processes.worker()  # its start sweeps: the claimed row and those never taken
    done = until(lambda: Outbox.objects.filter(status="sent").count() == 5, timeout=90)
    log = processes.stop_all()
    assert done, log
    assert_each_sent_once(processes.mail_dir, [p.email for p in people], log)
    assert sorted(Outbox.objects.values_list("attempts", flat=True)) == [1, 1, 1, 1, 2]
