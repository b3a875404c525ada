"""Every list of the API is bounded (issue 17): each list operation of the schema declares
?page_size= (1 to 100) and honours it, found by walking the schema, so a list added later
without it fails here; and a thread's replies come in bounded batches (the list shows the first
ones, GET .../comments/{id}/replies/ the next), at a fixed number of queries."""

import datetime

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from moderation import services as moderation_services
from recommendations.models import RecommendationVersion
from responses import services as response_services

from . import factories
from .test_api import error_of

C = "/api/consultations/walk/"
R = C + "recommendations/R1/"
WORD = "walkword"


@pytest.fixture
def schema(db):
    return APIClient().get("/api/schema/?format=json").json()


def _component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _lists(schema) -> dict[str, dict]:
    """The GET operations whose answer is a list: an array, or an object with `results`."""
    found = {}
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        answer = operations["get"]["responses"]["200"]["content"]
        body = next(iter(answer.values()))["schema"]
        if "$ref" in body:
            body = _component(schema, body["$ref"])
        if body.get("type") == "array" or "results" in body.get("properties", {}):
            found[path] = operations["get"]
    return found


def test_no_list_is_a_bare_array_and_each_declares_page_size(schema):
    lists = _lists(schema)
    assert len(lists) >= 15
    for path, operation in lists.items():
        answer = next(iter(operation["responses"]["200"]["content"].values()))["schema"]
        assert "$ref" in answer, f"{path} answers a bare array: no page, no bound"
        sizes = [p for p in operation.get("parameters", []) if p["name"] == "page_size"]
        assert len(sizes) == 1, f"{path} takes no page_size"
        assert sizes[0]["in"] == "query" and sizes[0]["schema"]["type"] == "integer"
        assert (sizes[0]["schema"]["minimum"], sizes[0]["schema"]["maximum"]) == (1, 100), path
        assert sizes[0].get("description"), path
    # The walk really reaches the lists whose size was fixed or unbounded before.
    assert {
        "/api/moderation/queue/",
        "/api/moderation/log/",
        "/api/search/",
        "/api/consultations/{consultation_slug}/recommendations/{recommendation_reference}"
        "/updates/",
        "/api/consultations/{consultation_slug}/recommendations/{recommendation_reference}"
        "/comments/{id}/replies/",
    } <= set(lists)
    # A thread's replies, an array in each item of the comment list, are bounded too.
    thread = _component(schema, "CommentThread")["properties"]["replies"]
    assert thread["type"] == "array" and "20 at most" in thread["description"]


@pytest.fixture
def walk(db, make_person, superuser, with_totp):
    """Two of everything each list shows, in an open consultation `walk` (and a second
    consultation), read by a superuser with two-factor authentication: they see every list,
    the moderators' and the team's drafts included."""
    reader = with_totp(superuser)
    consultation = factories.ConsultationFactory(slug="walk")
    factories.ConsultationFactory(slug="walk-too")
    pillars = [factories.PillarFactory(consultation=consultation, code=f"P{n}") for n in (1, 2)]
    for pillar in pillars:
        factories.ChallengeFactory(pillar=pillar)
    recommendations = [
        factories.RecommendationFactory(
            pillar=pillars[0], reference=f"R{n}", title=f"{WORD} {n}", body=f"About {WORD}."
        )
        for n in (1, 2)
    ]
    r1 = recommendations[0]
    RecommendationVersion.objects.create(recommendation=r1, number=2, title="T2", body="B2")
    people = [make_person(f"walker{n}@example.org") for n in (1, 2, 3)]
    roots = []
    for person in people[:2]:
        root = factories.CommentFactory(recommendation=r1, author=person, body="Top.")
        roots.append(root)
        factories.PositionFactory(recommendation=r1, author=person, stance="endorse")
        factories.AmendmentFactory(recommendation=r1, author=person)
        moderation_services.flag_create(acting_user=people[2], content=root, reason="spam")
    for person in people[:2]:
        factories.CommentFactory(
            recommendation=r1, author=person, parent=roots[0], root=roots[0], depth=1
        )
    factories.NotificationFactory.create_batch(2, user=reader)
    statuses = response_services.response_statuses_ensure(consultation=consultation)
    for recommendation in recommendations:
        response_services.response_save(
            recommendation=recommendation, acting_user=reader, status=statuses[0], text="Why."
        )
        response_services.implementation_update_add(
            recommendation=r1,
            acting_user=reader,
            date=datetime.date(2026, 1, 5),
            status="planned",
            text=f"Step {recommendation.reference}.",
        )
    cache.clear()
    api = APIClient()
    api.force_authenticate(reader)
    return {"api": api, "thread": roots[0]}


def _address(path: str, walk) -> str:
    return path.format(
        consultation_slug="walk", recommendation_reference="R1", id=walk["thread"].pk
    )


# A list's extra query, where it needs one to show anything.
QUERIES = {"/api/search/": {"q": WORD}}


def test_every_list_honours_page_size(schema, walk):
    api = walk["api"]
    for path in _lists(schema):
        url, query = _address(path, walk), QUERIES.get(path, {})
        first = api.get(url, {**query, "page_size": 1})
        assert first.status_code == 200, (path, first.content[:300])
        page = first.json()
        assert len(page["results"]) == 1, path
        assert page.get("count", page.get("more_replies", 0) + 1) >= 2, path  # more to show
        assert "page_size=1" in page["next"], path
        second = api.get(page["next"])
        assert second.status_code == 200 and len(second.json()["results"]) == 1, path
        assert second.json()["results"] != page["results"], path
        whole = api.get(url, {**query, "page_size": 100}).json()
        assert len(whole["results"]) >= 2, path
        for bad, code in (("abc", "invalid"), ("0", "min_value"), ("101", "max_value")):
            refused = api.get(url, {**query, "page_size": bad})
            assert refused.status_code == 400, (path, bad)
            assert error_of(refused)["codes"] == {"page_size": [code]}, (path, bad)


# Loading a recommendation is the pages' helper: the consultation, then the recommendation and
# its prefetches (advocates, challenges, versions; its one version, the document's, has no
# author to prefetch): 5 queries.
RECOMMENDATION = 5
# The thread list (consultation.threads.comment_thread_page): the count, the threads, and
# their first replies (one query, window functions).
THREADS = 3
# The replies (consultation.threads.thread_replies_after): the thread's first comment, the
# reply `after`, the batch, and how many follow it (asked when the batch is full).
REPLIES = 4


def test_a_threads_replies_come_in_bounded_batches(db, make_person, django_assert_num_queries):
    recommendation = factories.RecommendationFactory(
        pillar__consultation=factories.ConsultationFactory(slug="walk"), reference="R1"
    )
    root = factories.CommentFactory(recommendation=recommendation, body="Top.")
    api = APIClient()
    replies = []
    for total in (45, 90):  # the same queries for twice the replies
        replies += factories.CommentFactory.create_batch(
            total - len(replies), recommendation=recommendation, parent=root, root=root, depth=1
        )
        with django_assert_num_queries(RECOMMENDATION + THREADS):
            thread = api.get(R + "comments/").json()["results"][0]
        assert thread["id"] == root.pk
        assert [r["id"] for r in thread["replies"]] == [r.pk for r in replies[:20]]
        assert thread["more_replies"] == total - 20
        with django_assert_num_queries(RECOMMENDATION + REPLIES):
            batch = api.get(thread["replies_next"]).json()
        assert [r["id"] for r in batch["results"]] == [r.pk for r in replies[20:40]]
        assert batch["more_replies"] == total - 40
    # Read on to the end, a bigger batch at a time: every reply once, in reading order.
    read, url = [r["id"] for r in thread["replies"]], thread["replies_next"] + "&page_size=30"
    while url:
        batch = api.get(url).json()
        read += [r["id"] for r in batch["results"]]
        url = batch["next"]
    assert read == [r.pk for r in replies] and batch["more_replies"] == 0
    # From the first reply, without `after`; a reply is no thread; an `after` of another
    # thread is refused, naming it.
    first = api.get(f"{R}comments/{root.pk}/replies/", {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == [r.pk for r in replies[:2]]
    assert api.get(f"{R}comments/{replies[0].pk}/replies/").status_code == 404
    other = factories.CommentFactory(recommendation=recommendation)
    stray = api.get(f"{R}comments/{root.pk}/replies/", {"after": other.pk})
    assert stray.status_code == 400
    assert error_of(stray)["codes"] == {"after": ["does_not_exist"]}
    # A thread with its few replies says none follow.
    few = factories.CommentFactory(recommendation=recommendation)
    factories.CommentFactory(recommendation=recommendation, parent=few, root=few, depth=1)
    threads = {t["id"]: t for t in api.get(R + "comments/").json()["results"]}
    assert (threads[few.pk]["more_replies"], threads[few.pk]["replies_next"]) == (0, None)
