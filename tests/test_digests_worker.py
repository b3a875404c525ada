"""Digests through a real Celery worker (a subprocess on this run's queue and database):
sent once per person even when the worker is killed in the middle of a batch and when beat
fires twice.

The worker runs on the test settings, except that its e-mail goes to .eml files in a
temporary folder (the test settings keep e-mail in memory, which another process cannot
show us), and that it can be told to take a moment over each message, so that a test can
kill it mid-batch.
"""

import email
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection

from consultation.models import Comment, Follow
from digests.models import DigestRecord
from digests.periods import period_due
from digests.tasks import fan_out_digests

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 6
BATCH = 2

# The worker's entry point: the test settings with the e-mail and digest settings the test
# gives in the environment, and each message slowed down if asked.
WORKER = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
from django.conf import settings
settings.EMAIL_BACKEND = "config.mail.EmlFileBackend"
settings.EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
settings.DIGEST_BATCH_SIZE = int(os.environ["DIGEST_BATCH_SIZE"])
settings.DIGEST_CLAIM_STALE_MINUTES = float(os.environ["DIGEST_CLAIM_STALE_MINUTES"])
delay = float(os.environ.get("DIGEST_TEST_SEND_DELAY", "0"))
if delay:
    from config.mail import EmlFileBackend
    send_messages = EmlFileBackend.send_messages
    def slowly(self, messages):
        time.sleep(delay)  # before the message is written: a kill here sends nothing
        return send_messages(self, messages)
    EmlFileBackend.send_messages = slowly
from config.celery import app
app.worker_main(["worker", "--pool", "solo", "--without-mingle", "--without-gossip",
                 "--loglevel", "INFO"])
"""


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(mail_dir: Path, *, delay: float = 0, stale_minutes: float = 30):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_FILE_PATH": str(mail_dir),
        "DIGEST_BATCH_SIZE": str(BATCH),
        "DIGEST_CLAIM_STALE_MINUTES": str(stale_minutes),
        "DIGEST_TEST_SEND_DELAY": str(delay),
    }
    return subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def recipients(mail_dir: Path) -> Counter:
    found = Counter()
    for path in mail_dir.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes())
        assert message["To"], f"{path.name} holds no message"
        found[message["To"]] += 1
    return found


def wait_for(condition, *, timeout: float, workers=()) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if any(w.poll() is not None for w in workers):
            return False  # a worker died: its log is in the failure message
        time.sleep(0.1)
    return condition()


def all_settled(period) -> bool:
    return (
        DigestRecord.objects.filter(
            frequency="daily", period_start=period.start_date, status="sent"
        ).count()
        == PEOPLE
    )


@pytest.fixture
def subscribers(make_person, recommendation_factory):
    """Six daily subscribers following a recommendation commented on in the last period."""
    period = period_due("daily")
    recommendation = recommendation_factory(reference="P1-R1")
    speaker = make_person("speaker@example.org", display_name="Speaker")
    Comment.objects.create(
        recommendation=recommendation,
        author=speaker,
        body="News.",
        body_html="<p>News.</p>",
        created_at=period.start + timedelta(hours=12),
    )
    people = [make_person(f"sub{i}@example.org", digest_frequency="daily") for i in range(PEOPLE)]
    Follow.objects.bulk_create(Follow(user=p, recommendation=recommendation) for p in people)
    assert EmailAddress.objects.filter(verified=True).count() == PEOPLE + 1
    return period, [p.email for p in people]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_batch_and_restarted_sends_each_digest_once(subscribers, tmp_path):
    period, addresses = subscribers
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    logs = []
    worker = start_worker(mail_dir, delay=1.0, stale_minutes=0.05)  # stale after 3 seconds
    try:
        fan_out_digests.delay("daily", period.start_date.isoformat())
        # Three messages out (the second batch begun): the worker is now sleeping before the
        # fourth, its digest claimed and not sent. Kill it there, as an OOM killer would.
        reached = wait_for(
            lambda: len(list(mail_dir.glob("*.eml"))) >= 3, timeout=90, workers=[worker]
        )
        time.sleep(0.4)
        worker.send_signal(signal.SIGKILL)
        logs.append(stop(worker))
        assert reached, logs[-1]
        sent_before = sum(recipients(mail_dir).values())
        assert 3 <= sent_before < PEOPLE, logs[-1]
        in_flight = DigestRecord.objects.filter(status="claimed", sent_at=None)
        assert in_flight.count() == 1, logs[-1]

        # Restarted; beat's catch-up (here, the fan-out again) comes once the claim is stale.
        time.sleep(3.5)
        worker = start_worker(mail_dir, stale_minutes=0.05)
        fan_out_digests.delay("daily", period.start_date.isoformat())
        done = wait_for(lambda: all_settled(period), timeout=90, workers=[worker])
        time.sleep(1)  # anything still queued would send now
    finally:
        logs.append(stop(worker))
    assert done, "\n\n".join(logs)
    assert recipients(mail_dir) == Counter(dict.fromkeys(addresses, 1)), "\n\n".join(logs)
    reclaimed = DigestRecord.objects.filter(attempts=2)
    assert reclaimed.count() == 1  # the one in flight at the kill, taken over once
    assert "digests.tasks.send_digest_batch" in logs[-1] and "succeeded" in logs[-1]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_firing_twice_sends_no_duplicates(subscribers, tmp_path):
    period, addresses = subscribers
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    worker = start_worker(mail_dir)
    try:
        fan_out_digests.delay("daily", period.start_date.isoformat())
        fan_out_digests.delay("daily", period.start_date.isoformat())
        done = wait_for(lambda: all_settled(period), timeout=90, workers=[worker])
        queue = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in")
        if queue:  # the embedded broker: wait for the queue to drain
            wait_for(lambda: not os.listdir(queue), timeout=30, workers=[worker])
        time.sleep(1.5)  # the last task taken finishes
    finally:
        log = stop(worker)
    assert done, log
    assert recipients(mail_dir) == Counter(dict.fromkeys(addresses, 1)), log
    assert log.count("digests.tasks.fan_out_digests") >= 2  # both fan-outs ran
    message = email.message_from_bytes(
        next(
            p for p in mail_dir.glob("*.eml") if b"sub0@example.org" in p.read_bytes()
        ).read_bytes()
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
