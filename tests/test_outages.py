"""Requests while an optional service is down (issue 15, "Must show" c and d).

(c) Redis down, with the cache and the broker on it (a private redis-server the test stops):
pages, API reads and API writes answer as usual; rate limits and throttles fail open; a task
queued on commit is logged, not raised. (d) PostgreSQL (the database) down: 503 with
Retry-After, a plain page or the API's JSON error; see also test_database_down_*.
"""

import logging

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from config.celery import app as celery_app
from config.settings.base import redis_cache_fails_open
from consultation.models import Comment, Notification

from . import factories
from .redis_server import needs_redis_server, private_redis  # noqa: F401


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
    monkeypatch.setitem(celery_app.conf, "broker_url", private_redis.url(0))
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield private_redis
    monkeypatch.undo()
    celery_app.pool.force_close_all()


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
    assert any("Broker unavailable, digests.tasks.send_notification_email" in m for m in messages)
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "config.cache")

    # Redis back: the cache is used again.
    redis_for_cache_and_broker.start()
    cache.set("back", 1)
    assert cache.get("back") == 1
