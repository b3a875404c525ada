"""Anonymous readers' pages carry an ETag made of the public content's version (core.versioning):
a conditional GET with it is answered 304 before the view runs; any committed change to what
the pages show (a comment, a position, a new wording, an unsafe request) replaces the version;
signed-in readers' pages carry none."""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from consultation.services import comment_create, position_take
from core import versioning
from recommendations.services import recommendation_reword


@pytest.fixture
def page_url(recommendation):
    return reverse(
        "recommendations:detail", args=[recommendation.consultation.slug, recommendation.reference]
    )


def etag_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert "Cookie" in response["Vary"]
    return response["ETag"]


@pytest.mark.django_db
def test_a_conditional_get_with_the_etag_is_answered_304_without_a_query(
    client, page_url, django_assert_num_queries
):
    etag = etag_of(client, page_url)
    with django_assert_num_queries(0):  # the view does not run
        response = client.get(page_url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response["ETag"] == etag and not response.content
    # Another page, language or query string has a tag of its own.
    assert client.get(page_url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    assert etag_of(client, page_url + "?sort=newest") != etag
    assert etag_of(client, "/") != etag


@pytest.mark.django_db
def test_signed_in_readers_pages_carry_no_etag(client, page_url, stakeholder):
    client.force_login(stakeholder)
    response = client.get(page_url)
    assert response.status_code == 200 and "ETag" not in response


@pytest.mark.django_db
def test_no_etag_when_the_cache_is_down(client, page_url, monkeypatch):
    monkeypatch.setattr(versioning, "content_version", lambda: None)
    response = client.get(page_url)
    assert response.status_code == 200 and "ETag" not in response


@pytest.mark.django_db
def test_a_pending_message_is_not_kept_behind_a_304(client, page_url):
    etag = etag_of(client, page_url)
    client.cookies["messages"] = "anything"
    assert client.get(page_url, HTTP_IF_NONE_MATCH=etag).status_code == 200


# Real commits: the version is replaced when the change's transaction commits (the data
# migrations' rows come back afterwards, for the tests that need them).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_comment_position_or_wording_replaces_the_etag(
    client,
    page_url,
    recommendation,
    stakeholder,
    consultation_admin,
    django_capture_on_commit_callbacks,
):
    changes = [
        lambda: comment_create(author=stakeholder, recommendation=recommendation, body="New."),
        lambda: position_take(author=stakeholder, recommendation=recommendation, stance="endorse"),
        lambda: recommendation_reword(
            recommendation=recommendation,
            acting_user=consultation_admin,
            title="A new title",
            body="A new body.",
            reason="Clearer.",
        ),
    ]
    for change in changes:
        etag = etag_of(client, page_url)
        change()
        response = client.get(page_url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200 and response["ETag"] != etag


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_version_is_replaced_once_per_transaction_and_not_before_the_commit(
    recommendation, make_person, monkeypatch
):
    stakeholder = make_person("writer@example.org")
    before = versioning.content_version()
    replaced = []
    monkeypatch.setattr(versioning, "_replace", lambda: replaced.append(1))
    with transaction.atomic():
        for n in range(3):
            comment_create(author=stakeholder, recommendation=recommendation, body=f"N{n}.")
        with pytest.raises(ValueError), transaction.atomic():
            comment_create(author=stakeholder, recommendation=recommendation, body="Undone.")
            raise ValueError
        assert not replaced and versioning.content_version() == before  # not before the commit
    assert replaced == [1]


@pytest.mark.django_db
def test_a_successful_unsafe_request_replaces_the_version(client, stakeholder, recommendation):
    before = versioning.content_version()
    client.force_login(stakeholder)
    client.post(reverse("accounts:language"), {"language": "nl", "next": "/"})
    assert cache.get(versioning.KEY) != before
