"""Requests while an optional service is down (issue 15, "Must show" c and d).

(c) Redis down, with the cache and the broker on it (a private redis-server the test stops):
pages, API reads and API writes answer as usual; rate limits and throttles fail open; a task
queued on commit is logged, not raised. (d) PostgreSQL (the database) down: 503 with
Retry-After, a plain page or the API's JSON error; see also test_database_down_*.
"""

import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from config.celery import app as celery_app
from config.settings.base import redis_cache_fails_open
from consultation.models import Comment
from notifications.models import Notification

from . import factories
from .redis_server import free_port, needs_redis_server, private_redis  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def recommendation(db):
    pillar = factories.PillarFactory(consultation=factories.ConsultationFactory(slug="open"))
    return factories.RecommendationFactory(pillar=pillar, reference="R1", title="A title")


def comments_url(recommendation) -> str:
    return f"/api/consultations/open/recommendations/{recommendation.reference}/comments/"


@pytest.fixture
def redis_for_cache_and_broker(private_redis, settings, monkeypatch):  # noqa: F811
    """The cache (django-redis, as production's redis:// CACHE_URL) and the Celery broker on
    the private Redis; the broker's connection pools are the test's own."""
    settings.CACHES = redis_cache_fails_open(
        {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": private_redis.url(1)}}
    )
    # Celery reads the variable before its setting (CI sets it for the Redis run).
    monkeypatch.setenv("CELERY_BROKER_URL", private_redis.url(0))
    monkeypatch.setitem(celery_app.conf, "broker_url", private_redis.url(0))
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield private_redis
    private_pool = celery_app._pool
    monkeypatch.undo()  # the app's own pools back
    if private_pool is not None:
        private_pool.force_close_all()


@needs_redis_server
def test_redis_down_pages_api_reads_and_writes_answer_as_usual(
    redis_for_cache_and_broker,
    recommendation,
    stakeholder,
    make_person,
    client,
    settings,
    django_capture_on_commit_callbacks,
    caplog,
):
    other = make_person("other@example.org", display_name="Olga Other")
    page = recommendation.get_absolute_url()
    client.force_login(stakeholder)
    assert client.get("/").status_code == 200
    assert client.get(page).status_code == 200
    cached = redis.Redis.from_url(redis_for_cache_and_broker.url(1))
    assert cached.dbsize() > 0  # the cache really is on the private Redis
    cached.close()

    # Limits that the requests below would exceed, were the counts known.
    settings.RATELIMIT_RATES = {"comment": "1/h", "amendment": "1/h"}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/min", "user": "1/min"},
    }
    redis_for_cache_and_broker.stop()
    caplog.set_level(logging.WARNING)

    # Pages, signed in and anonymous.
    assert client.get("/").status_code == 200
    assert client.get(page).status_code == 200
    assert APIClient().get(comments_url(recommendation)).status_code == 200
    assert APIClient().get(comments_url(recommendation)).status_code == 200  # no throttle

    # API writes: a comment, and a reply whose notification e-mail is queued on commit.
    api = APIClient()
    api.force_authenticate(other)
    first = api.post(comments_url(recommendation), {"body": "A first point."})
    assert first.status_code == 201, first.content
    api.force_authenticate(stakeholder)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reply = api.post(
            comments_url(recommendation), {"body": "A reply.", "parent": first.json()["id"]}
        )
    assert reply.status_code == 201, reply.content
    assert callbacks  # the e-mail's task was to be queued on commit
    second = api.post(comments_url(recommendation), {"body": "Over the hourly limit."})
    assert second.status_code == 201, second.content  # the rate limit failed open
    assert api.get(comments_url(recommendation)).status_code == 200

    # A page write (the comment form) too.
    posted = client.post(reverse("consultation:comments", args=["open", "R1"]), {"body": "Web."})
    assert posted.status_code in (200, 302), posted.content
    assert Comment.objects.filter(body="Web.").exists()

    assert Comment.objects.count() == 4
    assert Notification.objects.filter(user=other, kind=Notification.Kind.REPLY).count() == 1
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Cache unavailable, carrying on without it") for m in messages)
    assert any("Broker unavailable, outbox rows left to the sweep" in m for m in messages)
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "config.cache")

    # Redis back: the cache is used again.
    redis_for_cache_and_broker.start()
    cache.set("back", 1)
    assert cache.get("back") == 1


# -- (d) the database down --------------------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """Every new query fails as an unreachable PostgreSQL does (the test's own connection
    stays open underneath, for the test's transaction)."""
    from django.db import OperationalError, connection

    def refuse():
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    monkeypatch.setattr(connection, "ensure_connection", refuse)


def assert_unavailable(response):
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
def test_database_down_pages_answer_a_plain_503_with_retry_after(
    client, recommendation, stakeholder, database_down
):
    anonymous = client.get(recommendation.get_absolute_url())
    assert_unavailable(anonymous)
    assert anonymous["Content-Type"].startswith("text/html")
    assert b"Back in a moment" in anonymous.content
    assert b"cannot reach its database" in anonymous.content


@pytest.mark.django_db
def test_database_down_outside_a_view_is_a_503_too(client, stakeholder, monkeypatch):
    """Signed in, the session is loaded by a middleware, before any view."""
    client.force_login(stakeholder)
    from django.db import OperationalError, connection

    def refuse():
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    client.raise_request_exception = False  # as a real server: the handler answers
    response = client.get("/moderation/")
    assert_unavailable(response)
    assert b"Back in a moment" in response.content


@pytest.mark.django_db
def test_database_down_the_api_answers_its_json_error(recommendation, stakeholder, database_down):
    signed_in = APIClient()
    signed_in.force_authenticate(stakeholder)
    for response in (
        APIClient().get("/api/consultations/"),
        signed_in.post(comments_url(recommendation), {"body": "x"}),
    ):
        assert_unavailable(response)
        assert response.json() == {
            "error": {
                "code": "service_unavailable",
                "message": "The site cannot reach its database just now. "
                "Please try again in a minute.",
                "fields": {},
                "codes": {},
            }
        }


@pytest.mark.django_db
def test_the_503_page_speaks_the_visitors_language(client, recommendation, database_down):
    response = client.get(recommendation.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="nl")
    assert_unavailable(response)
    assert b'lang="nl"' in response.content
    assert b"Zo terug" in response.content


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_database_down_a_real_server_answers_503_and_its_probes_say_so():
    """gunicorn, as in production, with DATABASE_URL at a port where nothing listens."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/plant_to_patient",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if fetch(f"{base}/healthz")[0] == 200:  # liveness needs no database
                    break
            except OSError:
                time.sleep(0.2)
        page = fetch(f"{base}/")
        api = fetch(f"{base}/api/consultations/")
        ready = fetch(f"{base}/readyz")
    finally:
        server.terminate()
        log = server.communicate(timeout=20)[0]
    status, headers, body = page
    assert (status, headers["Retry-After"]) == (503, "30"), log
    assert headers["Content-Type"].startswith("text/html") and b"Back in a moment" in body
    status, headers, body = api
    assert (status, headers["Retry-After"]) == (503, "30"), log
    assert json.loads(body)["error"]["code"] == "service_unavailable"
    status, headers, body = ready
    readiness = json.loads(body)
    assert status == 503 and readiness["status"] == "unavailable", readiness
    assert readiness["database"].startswith("error: OperationalError")
    assert readiness["required"] == ["database"]
