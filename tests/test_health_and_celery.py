"""/healthz and /readyz, and Celery through its real components: beat → broker → worker →
database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_is_liveness_and_checks_nothing_else(client, monkeypatch):
    """No database access (no django_db mark): liveness answers while the database is down."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_200_when_database_broker_and_cache_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "cache": "ok",
        "required": ["database"],
    }


@pytest.mark.django_db
def test_readyz_names_an_unreachable_broker_and_stays_200(client, monkeypatch):
    """The broker is optional: requests succeed without it, so the load balancer keeps us."""
    # Nothing listens on port 1: the connection is refused at once.
    connect = celery_app.connection_for_write
    monkeypatch.setattr(
        celery_app, "connection_for_write", lambda: connect(url="redis://127.0.0.1:1/0")
    )
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok" and body["cache"] == "ok"
    assert body["broker"].startswith("error:")


@pytest.mark.django_db
def test_readyz_names_a_cache_that_keeps_nothing(client, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: None)  # as django-redis when down
    body = client.get("/readyz").json()
    assert body["status"] == "degraded"
    assert body["cache"] == "error: the cache did not keep a value (unreachable?)"


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    from django.db import OperationalError

    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "error: OperationalError: connection refused"


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start(*args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args, "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_schedules_and_a_real_worker_runs_the_session_cleanup():
    """The clean-up task that the data migration schedules, run every second for the test."""
    Session.objects.create(
        session_key="expired" + "x" * 25,
        session_data="",
        expire_date=timezone.now() - timezone.timedelta(days=1),
    )
    Session.objects.create(
        session_key="current" + "x" * 25,
        session_data="",
        expire_date=timezone.now() + timezone.timedelta(days=1),
    )
    assert PeriodicTask.objects.filter(task="accounts.tasks.clear_expired_sessions").exists()
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(task="accounts.tasks.clear_expired_sessions").update(
        crontab=None, interval=every_second
    )

    started = time.time()
    worker = _start("worker", "--pool", "solo", "--without-mingle", "--without-gossip")
    beat = _start("beat", "--max-interval", "1")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not Session.objects.filter(session_key__startswith="expired").exists():
                break
            if worker.poll() is not None or beat.poll() is not None:
                break  # one died: its log is in the failure message below
            time.sleep(0.5)
    finally:
        worker_log, beat_log = _stop(worker), _stop(beat)

    assert not Session.objects.filter(session_key__startswith="expired").exists(), (
        f"worker log:\n{worker_log}\n\nbeat log:\n{beat_log}"
    )
    assert Session.objects.filter(session_key__startswith="current").exists()
    assert "accounts.tasks.clear_expired_sessions" in worker_log
    assert "succeeded" in worker_log
    # beat's scheduler (config.beat) left its heartbeat for compose's health check.
    assert Path(settings.BEAT_HEARTBEAT_FILE).stat().st_mtime >= started - 1
