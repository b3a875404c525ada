"""Idempotent API writes (issue 15, "Must show" e): a POST with an `Idempotency-Key` header
replayed, by a retry or by a concurrent duplicate, answers the first response and creates one
comment; the key is the person's own, bound to its request, and kept for 24 hours."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from api.idempotency import idempotency_keys_purge
from api.models import IdempotencyKey
from api.services import api_token_create
from consultation import services
from consultation.models import Comment

from . import factories

KEY = "3f1c5e0a-9b7d-4c2e-8f61-0d2a4b6c8e10"


@pytest.fixture
def recommendation(db):
    pillar = factories.PillarFactory(consultation=factories.ConsultationFactory(slug="open"))
    return factories.RecommendationFactory(pillar=pillar, reference="R1", title="A title")


@pytest.fixture
def url(recommendation):
    return "/api/consultations/open/recommendations/R1/comments/"


def client_for(user) -> APIClient:
    """With a real personal token, as a script sends it (no session, no CSRF)."""
    _, key = api_token_create(user=user, name="script")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def post(client, url, body, key=KEY):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, body, format="json", headers=headers)


def test_replaying_a_key_creates_one_comment_and_answers_the_first_response(url, stakeholder):
    client = client_for(stakeholder)
    first = post(client, url, {"body": "Once only."})
    again = post(client, url, {"body": "Once only."})

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Comment.objects.filter(body="Once only.").count() == 1


def test_the_same_key_with_another_body_is_refused_with_422(url, stakeholder):
    client = client_for(stakeholder)
    assert post(client, url, {"body": "First."}).status_code == 201
    refused = post(client, url, {"body": "Something else."})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert Comment.objects.count() == 1


def test_keys_are_per_person_and_posts_without_a_key_are_not_deduplicated(
    url, stakeholder, make_person
):
    other = client_for(make_person("other@example.org"))
    mine = client_for(stakeholder)
    assert post(mine, url, {"body": "Same words."}).status_code == 201
    assert post(other, url, {"body": "Same words."}).status_code == 201  # their key space
    assert post(mine, url, {"body": "No key."}, key=None).status_code == 201
    assert post(mine, url, {"body": "No key."}, key=None).status_code == 201
    assert Comment.objects.filter(body="Same words.").count() == 2
    assert Comment.objects.filter(body="No key.").count() == 2


def test_a_refusal_is_kept_too_and_a_bad_key_is_a_400(url, stakeholder):
    client = client_for(stakeholder)
    first = post(client, url, {"body": ""})
    assert first.status_code == 400
    assert post(client, url, {"body": ""}).content == first.content
    too_long = post(client, url, {"body": "x"}, key="k" * 256)
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == "invalid_idempotency_key"
    assert Comment.objects.count() == 0


def test_a_server_error_keeps_nothing_and_the_retry_runs_afresh(url, stakeholder, monkeypatch):
    client = client_for(stakeholder)
    client.raise_request_exception = False
    create = services.comment_create
    monkeypatch.setattr(services, "comment_create", lambda **kw: 1 / 0)
    assert post(client, url, {"body": "Retried."}).status_code == 500
    monkeypatch.setattr(services, "comment_create", create)
    assert post(client, url, {"body": "Retried."}).status_code == 201
    assert Comment.objects.filter(body="Retried.").count() == 1


def test_keys_last_24_hours_then_are_purged(url, stakeholder):
    client = client_for(stakeholder)
    assert post(client, url, {"body": "Day one."}).status_code == 201
    with freeze_time(timezone.now() + timedelta(hours=23)):
        assert post(client, url, {"body": "Day one."})["Idempotent-Replayed"] == "true"
        assert idempotency_keys_purge() == 0
    with freeze_time(timezone.now() + timedelta(hours=25)):
        assert idempotency_keys_purge() == 1
        assert post(client, url, {"body": "Day one."}).status_code == 201  # a new request
    assert Comment.objects.filter(body="Day one.").count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicates_create_one_comment(recommendation, url, stakeholder, monkeypatch):
    """Two retries at once: the second waits for the first's commit, then gets its answer
    (serialized_rollback: the data migrations' rows come back for the next tests)."""
    create = services.comment_create

    def slowly(**kwargs):
        time.sleep(0.5)  # both requests are in flight meanwhile
        return create(**kwargs)

    monkeypatch.setattr(services, "comment_create", slowly)
    _, key = api_token_create(user=stakeholder, name="script")
    answers = []

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        try:
            answers.append(post(client, url, {"body": "At once."}))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(a.status_code for a in answers) == [201, 201]
    assert answers[0].content == answers[1].content
    assert sum(a.has_header("Idempotent-Replayed") for a in answers) == 1
    assert Comment.objects.filter(body="At once.").count() == 1
    assert IdempotencyKey.objects.get().status_code == 201


def test_the_schema_documents_the_header_on_posts(db):
    schema = APIClient().get("/api/schema/?format=json").json()
    comments = schema["paths"]["/api/consultations/{consultation_slug}/recommendations/"
                                "{recommendation_reference}/comments/"]  # fmt: skip
    [header] = [p for p in comments["post"]["parameters"] if p["name"] == "Idempotency-Key"]
    assert header["in"] == "header" and not header.get("required", False)
    assert header["schema"]["maxLength"] == 255
    assert "422" in comments["post"]["responses"]
    assert all(p["name"] != "Idempotency-Key" for p in comments["get"].get("parameters", []))
