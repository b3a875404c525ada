"""The REST API (/api/): writes through the services, the error body, personal tokens, the
recommendation filters shared with the web list, open data and constant query counts."""

import csv
import hashlib
import io

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services import api_token_create, api_token_revoke
from consultation import services
from consultation.models import Amendment, Comment, CommentRevision, Position
from consultation.services import summaries
from notifications.models import Notification
from recommendations.models import Consultation, Recommendation

from . import factories


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and the contribution rate limits count in the cache: each test starts at 0."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def recommendation(db):
    pillar = factories.PillarFactory(consultation=factories.ConsultationFactory(slug="open"))
    return factories.RecommendationFactory(pillar=pillar, reference="R1", title="Old title")


def rec_url(recommendation, tail=""):
    return (
        f"/api/consultations/{recommendation.consultation.slug}"
        f"/recommendations/{recommendation.reference}/{tail}"
    )


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields", "codes"}, body
    return body["error"]


# -- Comments -------------------------------------------------------------------------------


def test_comments_create_reply_edit_delete_through_the_services(api, recommendation, stakeholder):
    api.force_authenticate(stakeholder)
    created = api.post(rec_url(recommendation, "comments/"), {"body": "First *point*."})
    assert created.status_code == 201, created.content
    comment = Comment.objects.get(pk=created.json()["id"])
    assert comment.author == stakeholder
    assert comment.body_html == "<p>First <em>point</em>.</p>"  # rendered by the service
    assert stakeholder.follows.filter(recommendation=recommendation).exists()  # the service follows

    reply = api.post(
        rec_url(recommendation, "comments/"), {"body": "A reply", "parent": comment.pk}
    )
    assert reply.status_code == 201
    assert (reply.json()["parent"], reply.json()["root"], reply.json()["depth"]) == (
        comment.pk,
        comment.pk,
        1,
    )

    threads = api.get(rec_url(recommendation, "comments/")).json()
    assert threads["count"] == 1
    [thread] = threads["results"]
    assert thread["id"] == comment.pk and thread["reply_count"] == 1
    assert [(r["id"], r["parent"], r["depth"]) for r in thread["replies"]] == [
        (reply.json()["id"], comment.pk, 1)
    ]

    edited = api.patch(rec_url(recommendation, f"comments/{comment.pk}/"), {"body": "Better."})
    assert edited.status_code == 200
    assert edited.json()["body"] == "Better." and edited.json()["edited_at"]
    assert CommentRevision.objects.get(comment=comment).body == "First *point*."

    deleted = api.delete(rec_url(recommendation, f"comments/{comment.pk}/"))
    assert deleted.status_code == 204
    comment.refresh_from_db()
    assert comment.is_deleted and comment.body == ""
    # The tombstone keeps its reply in place.
    [thread] = api.get(rec_url(recommendation, "comments/")).json()["results"]
    assert thread["is_deleted"] and thread["body"] == "" and len(thread["replies"]) == 1


def test_a_reply_to_a_comment_of_another_recommendation_is_refused(
    api, recommendation, stakeholder
):
    other = factories.RecommendationFactory(pillar=recommendation.pillar, reference="R2")
    elsewhere = services.comment_create(author=stakeholder, recommendation=other, body="There")
    api.force_authenticate(stakeholder)
    response = api.post(
        rec_url(recommendation, "comments/"), {"body": "Here", "parent": elsewhere.pk}
    )
    assert response.status_code == 400
    assert "parent" in error_of(response)["fields"]
    assert not Comment.objects.filter(recommendation=recommendation).exists()


def test_someone_elses_comment_cannot_be_edited_or_deleted(
    api, recommendation, stakeholder, make_person
):
    comment = services.comment_create(
        author=stakeholder, recommendation=recommendation, body="Mine"
    )
    api.force_authenticate(make_person("other@example.org"))
    for response in (
        api.patch(rec_url(recommendation, f"comments/{comment.pk}/"), {"body": "Hijacked"}),
        api.delete(rec_url(recommendation, f"comments/{comment.pk}/")),
    ):
        assert response.status_code == 403
        assert error_of(response)["message"].startswith("Only its author can")
    comment.refresh_from_db()
    assert comment.body == "Mine" and not comment.is_deleted


# -- Positions ------------------------------------------------------------------------------


def test_positions_take_change_withdraw_and_breakdown(
    api, recommendation, stakeholder, make_person
):
    url = rec_url(recommendation, "positions/")
    api.force_authenticate(stakeholder)
    taken = api.post(url, {"stance": "endorse"})
    assert taken.status_code == 201 and taken.json()["version"] == 1
    changed = api.put(url + "mine/", {"stance": "oppose", "reason": "Too vague."})
    assert changed.status_code == 200
    assert Position.objects.get(author=stakeholder).stance == "oppose"
    assert Position.objects.filter(recommendation=recommendation).count() == 1

    services.position_take(
        author=make_person("industry@example.org"),
        recommendation=recommendation,
        stance="endorse",
    )
    breakdown = api.get(url + "breakdown/").json()
    assert breakdown["totals"] == {"endorse": 1, "reservations": 0, "oppose": 1}
    assert breakdown["total"] == 2
    groups = {g["group"]: g["counts"] for g in breakdown["groups"]}
    assert groups["Patient organisation"] == {"endorse": 0, "reservations": 0, "oppose": 1}
    assert groups["No group given"] == {"endorse": 1, "reservations": 0, "oppose": 0}

    listed = api.get(url).json()
    assert listed["count"] == 2
    assert api.get(url + "mine/").json()["reason"] == "Too vague."

    assert api.delete(url + "mine/").status_code == 204
    assert not Position.objects.filter(author=stakeholder).exists()
    assert api.get(url + "mine/").status_code == 404


def test_opposing_without_a_reason_answers_the_services_words(api, recommendation, stakeholder):
    api.force_authenticate(stakeholder)
    response = api.post(rec_url(recommendation, "positions/"), {"stance": "oppose"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "reason": ["Give a reason to endorse with reservations or to oppose."]
    }
    assert not Position.objects.exists()


# -- Amendments and versions ----------------------------------------------------------------


def test_amendment_propose_accept_and_diff(api, recommendation, stakeholder, moderator, with_totp):
    api.force_authenticate(stakeholder)
    proposed = api.post(
        rec_url(recommendation, "amendments/"),
        {
            "title": "New title",
            "body": "What should be done, now.",
            "justification": "Sharper.",
            "evidence_links": ["https://example.org/study"],
        },
    )
    assert proposed.status_code == 201, proposed.content
    amendment = Amendment.objects.get(pk=proposed.json()["id"])
    assert amendment.author == stakeholder and amendment.base_version.number == 1
    assert proposed.json()["body_diff"] == "What should be done<ins>, now</ins>."

    # The author cannot decide; a moderator can.
    assert (
        api.post(rec_url(recommendation, f"amendments/{amendment.pk}/accept/")).status_code == 403
    )
    # A moderator without two-factor authentication is told to set it up first.
    api.force_authenticate(moderator)
    refused = api.post(rec_url(recommendation, f"amendments/{amendment.pk}/accept/"))
    assert refused.status_code == 403
    assert "two-factor authentication" in error_of(refused)["message"]
    with_totp(moderator)
    accepted = api.post(
        rec_url(recommendation, f"amendments/{amendment.pk}/accept/"), {"reason": "Agreed."}
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted" and accepted.json()["resulting_version"] == 2
    recommendation.refresh_from_db()
    assert recommendation.title == "New title"

    versions = api.get(rec_url(recommendation, "versions/")).json()
    assert [v["number"] for v in versions["results"]] == [2, 1]
    assert versions["results"][0]["author"]["name"] == "Sam Stakeholder"
    diff = api.get(rec_url(recommendation, "versions/diff/"), {"a": 1, "b": 2}).json()
    assert diff["title_diff"] == "<del>Old </del><ins>New </ins>title"
    assert (diff["old"]["number"], diff["new"]["number"]) == (1, 2)

    missing = api.get(rec_url(recommendation, "versions/diff/"), {"a": 1, "b": 9})
    assert missing.status_code == 404
    assert error_of(missing)["message"] == "There is no version 9 of this recommendation."
    bad = api.get(rec_url(recommendation, "versions/diff/"), {"a": "one"})
    assert bad.status_code == 400
    assert set(error_of(bad)["fields"]) == {"a", "b"}


def test_amendment_withdraw_and_reject(api, recommendation, stakeholder, moderator, with_totp):
    first = services.amendment_propose(
        author=stakeholder, recommendation=recommendation, title="A", body="B", justification="C"
    )
    second = services.amendment_propose(
        author=stakeholder, recommendation=recommendation, title="D", body="E", justification="F"
    )
    api.force_authenticate(stakeholder)
    withdrawn = api.post(rec_url(recommendation, f"amendments/{first.pk}/withdraw/"))
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"

    api.force_authenticate(with_totp(moderator))
    no_reason = api.post(rec_url(recommendation, f"amendments/{second.pk}/reject/"), {})
    assert no_reason.status_code == 400
    assert error_of(no_reason)["fields"] == {"reason": ["This field is required."]}
    rejected = api.post(
        rec_url(recommendation, f"amendments/{second.pk}/reject/"), {"reason": "Out of scope."}
    )
    assert rejected.status_code == 200
    assert rejected.json()["decision_reason"] == "Out of scope."
    assert rejected.json()["decided_by"]["name"] == "Mo Derator"
    # Decided: no second decision.
    again = api.post(rec_url(recommendation, f"amendments/{second.pk}/accept/"))
    assert again.status_code == 403


# -- The error body -------------------------------------------------------------------------


def test_service_validation_error_is_a_400_with_its_words(api, recommendation, stakeholder):
    api.force_authenticate(stakeholder)
    response = api.post(rec_url(recommendation, "comments/"), {"body": "x" * 5_001})
    assert response.status_code == 400
    assert error_of(response) == {
        "code": "invalid",
        "message": "body: Keep it under 5,000 characters (it has 5,001).",
        "fields": {"body": ["Keep it under 5,000 characters (it has 5,001)."]},
        "codes": {"body": ["invalid"]},
    }


def test_contribution_refused_is_a_403_with_its_words(api, recommendation, make_person):
    undeclared = make_person("undeclared@example.org", declared=False)
    api.force_authenticate(undeclared)
    response = api.post(rec_url(recommendation, "comments/"), {"body": "Hello"})
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "contribution_refused"
    assert error["message"].startswith("Declare your interests in your profile")

    # The same words when the service itself refuses (the consultation closed).
    Consultation.objects.filter(pk=recommendation.consultation_id).update(state="closed")
    api.force_authenticate(make_person("declared@example.org"))
    response = api.post(rec_url(recommendation, "positions/"), {"stance": "endorse"})
    assert response.status_code == 403
    assert error_of(response)["message"] == (
        "This consultation is closed to contributions: its pages are read-only."
    )


def test_service_permission_denied_maps_to_403(api, recommendation, stakeholder, monkeypatch):
    """A refusal raised inside a service (past the view's own checks) keeps its words."""

    def refuse(**kwargs):
        raise services.ContributionRefused("Refused by the service.")

    monkeypatch.setattr(services, "comment_create", refuse)
    api.force_authenticate(stakeholder)
    response = api.post(rec_url(recommendation, "comments/"), {"body": "Hello"})
    assert response.status_code == 403
    assert error_of(response) == {
        "code": "contribution_refused",
        "message": "Refused by the service.",
        "fields": {},
        "codes": {},
    }


def test_error_bodies_of_401_404_405_and_unknown_addresses(api, recommendation, stakeholder):
    unauthenticated = api.post(rec_url(recommendation, "comments/"), {"body": "Hi"})
    assert unauthenticated.status_code == 401
    assert error_of(unauthenticated)["code"] == "not_authenticated"
    assert unauthenticated["WWW-Authenticate"].startswith("Bearer")

    missing = api.get("/api/consultations/no-such-thing/")
    assert missing.status_code == 404
    assert error_of(missing) == {
        "code": "not_found",
        "message": "No such consultation.",
        "fields": {},
        "codes": {},
    }
    assert api.get(rec_url(recommendation, "comments/999/")).status_code == 404

    api.force_authenticate(stakeholder)
    not_allowed = api.delete(f"/api/consultations/{recommendation.consultation.slug}/")
    assert not_allowed.status_code == 405
    assert error_of(not_allowed)["code"] == "method_not_allowed"

    nowhere = api.get("/api/no/such/endpoint")
    assert nowhere.status_code == 404 and error_of(nowhere)["code"] == "not_found"


def test_throttling_answers_429_with_the_error_body(api, recommendation):
    rates = {"anon": "3/min", "user": "5/min"}
    with override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": rates}):
        statuses = [api.get("/api/consultations/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = api.get("/api/consultations/")
        assert error_of(response)["code"] == "throttled"
        assert int(response["Retry-After"]) > 0


def _rest_framework():
    from django.conf import settings

    return settings.REST_FRAMEWORK


def test_contribution_rate_limit_of_the_pages_applies(api, recommendation, stakeholder):
    api.force_authenticate(stakeholder)
    # Time stands still: a rate window that turned between two posts would reset the count.
    with (
        freeze_time(tick=False),
        override_settings(RATELIMIT_RATES={"comment": "2/m", "amendment": "5/h"}),
    ):
        statuses = [
            api.post(rec_url(recommendation, "comments/"), {"body": f"n{i}"}).status_code
            for i in range(3)
        ]
    assert statuses == [201, 201, 429]
    assert Comment.objects.count() == 2


def test_page_size_is_bounded(api, recommendation):
    """One rule for every list (tests/test_api_contract.py walks them all): 1 to 100, a size
    above it refused rather than cut down."""
    from api.pagination import PageNumberPagination

    url = f"/api/consultations/{recommendation.consultation.slug}/recommendations/"
    factories.RecommendationFactory.create_batch(4, pillar=recommendation.pillar)
    assert len(api.get(url, {"page_size": 2}).json()["results"]) == 2
    assert PageNumberPagination.max_page_size == 100
    assert len(api.get(url, {"page_size": 100}).json()["results"]) == 5
    too_big = api.get(url, {"page_size": 101})
    assert too_big.status_code == 400
    assert error_of(too_big)["codes"] == {"page_size": ["max_value"]}
    missing = api.get(url, {"page": 99})
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"


# -- Tokens ---------------------------------------------------------------------------------


def test_tokens_are_stored_hashed_authenticate_and_revoke(api, stakeholder):
    token, key = api_token_create(user=stakeholder, name="script")
    assert key.startswith("p2p_") and len(key) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.hashed_key == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {stored.hashed_key, stored.prefix, stored.name}
    assert stored.prefix == key[:12]

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    me = api.get("/api/me/")
    assert me.status_code == 200 and me.json()["email"] == "stakeholder@example.org"
    stored.refresh_from_db()
    assert stored.last_used_at is not None

    api_token_revoke(token=stored, acting_user=stakeholder)
    refused = api.get("/api/me/")
    assert refused.status_code == 401
    assert error_of(refused)["message"] == "This API token is unknown or revoked."

    api.credentials(HTTP_AUTHORIZATION="Bearer p2p_not-a-real-key")
    assert api.get("/api/me/").status_code == 401
    # A wrong token is refused even where reading is open to everyone.
    assert api.get("/api/consultations/").status_code == 401


def test_a_token_writes_without_csrf_a_session_needs_it(recommendation, stakeholder):
    _, key = api_token_create(user=stakeholder, name="script")
    url = rec_url(recommendation, "comments/")
    with_token = APIClient(enforce_csrf_checks=True)
    with_token.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert with_token.post(url, {"body": "By token"}, format="json").status_code == 201

    session = APIClient(enforce_csrf_checks=True)
    session.force_login(stakeholder)
    refused = session.post(url, {"body": "By session"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in error_of(refused)["message"]


def test_only_the_owner_revokes_a_token(stakeholder, make_person):
    from django.core.exceptions import PermissionDenied

    token, _ = api_token_create(user=stakeholder, name="script")
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=token, acting_user=make_person("other@example.org"))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_page_shows_the_key_once_and_revokes(client, stakeholder, make_person):
    client.force_login(stakeholder)
    page = client.get(reverse("api_tokens:list"))
    assert page.status_code == 200
    assert b"You have no API tokens." in page.content

    created = client.post(reverse("api_tokens:list"), {"name": "analysis"})
    assert created.status_code == 201
    key = created.context["new_key"]
    assert key.encode() in created.content
    token = ApiToken.objects.get(user=stakeholder)
    assert token.hashed_key == hashlib.sha256(key.encode()).hexdigest()

    again = client.get(reverse("api_tokens:list"))
    assert key.encode() not in again.content  # never shown again
    assert token.prefix.encode() in again.content

    empty = client.post(reverse("api_tokens:list"), {"name": "  "})
    assert empty.status_code == 400
    assert ApiToken.objects.count() == 1

    # Another person's token is not found; one's own is revoked.
    other_token, _ = api_token_create(user=make_person("other@example.org"), name="theirs")
    assert client.post(reverse("api_tokens:revoke", args=[other_token.pk])).status_code == 404
    other_token.refresh_from_db()
    assert other_token.revoked_at is None
    revoked = client.post(reverse("api_tokens:revoke", args=[token.pk]), follow=True)
    assert b"is revoked" in revoked.content
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_page_needs_a_login_and_is_in_the_account_nav(client, stakeholder):
    response = client.get(reverse("api_tokens:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(stakeholder)
    profile = client.get(reverse("accounts:profile"))
    assert reverse("api_tokens:list").encode() in profile.content


# -- Filters: the same recommendations as the web list --------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=manufactur",
        "q=P2-R4",
        "pillar=P2",
        "advocate=industry",
        "source=organiser",
        "status=open",
        "pillar=P1&source=panel",
        "q=access&pillar=P3",
        "status=adopted",
    ],
)
def test_filters_give_the_web_lists_recommendations(api, client, white_paper, query):
    web = client.get(f"/consultations/{white_paper.slug}/recommendations/?{query}")
    assert web.status_code == 200
    expected = [r.reference for r in web.context["page"].object_list]
    response = api.get(
        f"/api/consultations/{white_paper.slug}/recommendations/?{query}&page_size=100"
    )
    assert response.status_code == 200
    assert [r["reference"] for r in response.json()["results"]] == expected
    if query in ("", "pillar=P2", "source=organiser"):
        assert expected  # the comparison is not between two empty lists


def test_an_unknown_filter_value_is_a_400_naming_the_field(api, white_paper):
    response = api.get(f"/api/consultations/{white_paper.slug}/recommendations/?pillar=P9")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"pillar"}


def test_has_amendments_and_the_orderings(api, recommendation, stakeholder, make_person):
    pillar = recommendation.pillar
    discussed = factories.RecommendationFactory(pillar=pillar, reference="R2")
    endorsed = factories.RecommendationFactory(pillar=pillar, reference="R3")
    people = [make_person(f"p{i}@example.org") for i in range(3)]
    for person in people:
        services.position_take(author=person, recommendation=endorsed, stance="endorse")
    services.position_take(
        author=people[0], recommendation=discussed, stance="reservations", reason="Cost."
    )
    for i in range(3):
        services.comment_create(author=people[i], recommendation=discussed, body="Why?")
    services.amendment_propose(
        author=stakeholder, recommendation=discussed, title="T", body="B", justification="J"
    )
    Recommendation.objects.filter(pk=recommendation.pk).update(
        updated_at=timezone.now() + timezone.timedelta(minutes=5)
    )
    url = f"/api/consultations/{recommendation.consultation.slug}/recommendations/"

    def refs(**params):
        response = api.get(url, params)
        assert response.status_code == 200, response.content
        return [r["reference"] for r in response.json()["results"]]

    assert refs() == ["R1", "R2", "R3"]
    assert refs(has_amendments="true") == ["R2"]
    assert refs(has_amendments="false") == ["R1", "R3"]
    assert refs(ordering="most-endorsed") == ["R3", "R2", "R1"]
    assert refs(ordering="most-discussed") == ["R2", "R1", "R3"]
    assert refs(ordering="recent")[0] == "R1"
    counts = {r["reference"]: r for r in api.get(url).json()["results"]}
    assert counts["R3"]["endorsement_count"] == 3 and counts["R3"]["position_count"] == 3
    assert counts["R2"]["endorsement_count"] == 1 and counts["R2"]["comment_count"] == 3
    assert counts["R2"]["amendment_count"] == 1


# -- Open data, visibility, the person ------------------------------------------------------


def test_results_by_stakeholder_group_as_csv_and_json(
    api, recommendation, stakeholder, make_person
):
    services.position_take(author=stakeholder, recommendation=recommendation, stance="endorse")
    services.position_take(
        author=make_person("x@example.org"),
        recommendation=recommendation,
        stance="oppose",
        reason="No.",
    )
    base = f"/api/consultations/{recommendation.consultation.slug}/"
    data = api.get(base + "results.json").json()
    [rec] = data["recommendations"]
    assert rec["reference"] == "R1" and rec["total"] == 2
    assert rec["totals"] == {"endorse": 1, "reservations": 0, "oppose": 1}
    assert {g["group"]: g["counts"]["endorse"] for g in rec["groups"]} == {
        "Patient organisation": 1,
        "No group given": 0,
    }

    response = api.get(base + "results.csv", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_group = {row["group"]: row for row in rows}
    assert by_group["Patient organisation"]["endorse"] == "1"
    assert by_group["No group given"]["oppose"] == "1"
    assert by_group["All groups"]["total"] == "2"

    missing = api.get("/api/consultations/nope/results.csv")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"


def test_drafts_are_hidden_from_all_but_staff(api, moderator):
    draft = factories.ConsultationFactory(slug="draft", state=Consultation.State.DRAFT)
    assert api.get("/api/consultations/draft/").status_code == 404
    assert api.get("/api/consultations/draft/results.json").status_code == 404
    assert "draft" not in [c["slug"] for c in api.get("/api/consultations/").json()["results"]]
    api.force_authenticate(moderator)
    assert api.get(f"/api/consultations/{draft.slug}/").status_code == 200


def test_me_profile_preferences_and_export(api, stakeholder, recommendation):
    api.force_authenticate(stakeholder)
    declared_at = stakeholder.interests_declared_at
    response = api.patch("/api/me/", {"interests": "Shares in a biotech.", "job_title": "Chair"})
    assert response.status_code == 200
    stakeholder.refresh_from_db()
    assert stakeholder.job_title == "Chair"
    assert stakeholder.interests_declared_at > declared_at  # re-dated by the service

    bad = api.patch("/api/me/", {"transparency_register_id": "123"})
    assert bad.status_code == 400
    assert "transparency_register_id" in error_of(bad)["fields"]

    pillar = {"consultation": "open", "code": recommendation.pillar.code}
    prefs = api.patch(
        "/api/me/preferences/", {"digest_frequency": "daily", "pillars_of_interest": [pillar]}
    )
    assert prefs.status_code == 200
    assert prefs.json()["pillars_of_interest"] == [pillar]
    assert list(stakeholder.pillars_of_interest.all()) == [recommendation.pillar]
    stakeholder.refresh_from_db()
    assert stakeholder.digest_frequency == "daily"

    services.comment_create(author=stakeholder, recommendation=recommendation, body="Mine")
    export = api.get("/api/me/export/")
    assert export.status_code == 200 and export["Cache-Control"] == "no-store"
    assert export.json()["profile"]["email"] == "stakeholder@example.org"
    assert [c["body"] for c in export.json()["comments"]] == ["Mine"]


def test_notifications_list_and_mark_read(api, stakeholder, make_person, recommendation):
    other = make_person("other@example.org")
    mine = [
        Notification.objects.create(user=stakeholder, kind="reply", message=f"n{i}")
        for i in range(3)
    ]
    theirs = Notification.objects.create(user=other, kind="reply", message="theirs")
    api.force_authenticate(stakeholder)
    listed = api.get("/api/notifications/").json()
    assert [n["message"] for n in listed["results"]] == ["n2", "n1", "n0"]

    assert api.post(f"/api/notifications/{mine[0].pk}/read/").json() == {"marked": 1}
    assert api.post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    assert [n["message"] for n in api.get("/api/notifications/?unread=true").json()["results"]] == [
        "n2",
        "n1",
    ]
    assert api.post("/api/notifications/read/", {"ids": [mine[1].pk, theirs.pk]}).json() == {
        "marked": 1
    }
    assert api.post("/api/notifications/read/", {}).json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_schema_and_local_swagger_ui(api):
    schema = api.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/consultations/{consultation_slug}/recommendations/" in paths
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


# -- Query counts ---------------------------------------------------------------------------


def _fill(recommendation, n, make_person, reader):
    """n of everything the lists show, by n different people (in several stakeholder groups)."""
    from accounts.models import StakeholderGroup
    from recommendations.models import RecommendationVersion

    pillar = recommendation.pillar
    groups = list(StakeholderGroup.objects.all())
    latest = recommendation.versions.order_by("-number").first().number
    for i in range(n):
        factories.ConsultationFactory()
        factories.PillarFactory(consultation=recommendation.consultation)
        RecommendationVersion.objects.create(
            recommendation=recommendation,
            number=latest + i + 1,
            title=f"V{i}",
            body="B",
            author=reader,
        )
        person = make_person(f"person{n}-{i}@example.org", stakeholder_group=groups[i % 3])
        factories.RecommendationFactory(
            pillar=pillar, advocates=[factories.AdvocateFactory(slug=f"a{i}")]
        )
        factories.ChallengeFactory(pillar=pillar)
        root = services.comment_create(author=person, recommendation=recommendation, body="Top")
        services.comment_create(
            author=person, recommendation=recommendation, body="Reply", parent=root
        )
        services.position_take(author=person, recommendation=recommendation, stance="endorse")
        services.amendment_propose(
            author=person, recommendation=recommendation, title=f"T{i}", body="B", justification="J"
        )
        Notification.objects.create(user=reader, kind="reply", message="n")


# Loading a recommendation is the pages' helper: the consultation, then the recommendation and
# its four prefetches (advocates, challenges, versions, the versions' authors): 6 queries.
LISTS = {
    # name: (address, queries)
    "consultations": ("/api/consultations/", 2),  # count, page
    "pillars": ("{c}pillars/", 3),  # consultation, count, page (annotated with its counts)
    "challenges": ("{c}challenges/", 4),  # consultation, count, page, advocates
    "recommendations": ("{c}recommendations/", 4),  # consultation, count, page, advocates
    "versions": ("{r}versions/", 6 + 2),  # + count, page
    "comments": ("{r}comments/", 6 + 3),  # + count, threads, their first replies
    "positions": ("{r}positions/", 6 + 2),  # + count, page
    "breakdown": ("{r}positions/breakdown/", 6 + 1),  # + the counts by group and stance
    "amendments": ("{r}amendments/", 6 + 2),  # + count, page
    "notifications": ("/api/notifications/", 2),  # count, page
    # consultation, recommendations, counts, the published responses' statuses, the latest
    # opinion-group run (none here)
    "results": ("{c}results.json", 5),
}


@pytest.mark.parametrize("name", list(LISTS))
def test_list_query_count_does_not_grow(
    api, recommendation, stakeholder, make_person, django_assert_num_queries, name
):
    address, queries = LISTS[name]
    url = address.format(
        c=f"/api/consultations/{recommendation.consultation.slug}/", r=rec_url(recommendation)
    )
    api.force_authenticate(stakeholder)  # no session: the counts are the list's own
    sizes = []
    for n in (2, 5):
        _fill(recommendation, n, make_person, reader=stakeholder)
        cache.clear()
        with django_assert_num_queries(queries):
            response = api.get(url)
        assert response.status_code == 200, response.content
        sizes.append(response.json().get("count"))
    if name not in ("breakdown", "results"):
        assert sizes[1] > sizes[0]  # the second size really shows more


# -- Moderation -----------------------------------------------------------------------------


def _hide(comment, moderator):
    from moderation import services as moderation_services

    return moderation_services.content_decide(
        acting_user=moderator,
        content=comment,
        action="hide",
        reason="Off topic.",
        expected_state="published",
    )


def test_lists_show_what_the_pages_show_each_person(
    api, recommendation, stakeholder, make_person, moderator
):
    author = make_person("author@example.org")
    shown = services.comment_create(author=author, recommendation=recommendation, body="Fine")
    hidden = services.comment_create(author=author, recommendation=recommendation, body="Spam")
    _hide(hidden, moderator)
    amendment = services.amendment_propose(
        author=author, recommendation=recommendation, title="T", body="B", justification="J"
    )
    with summaries.tracking(Amendment.objects.filter(pk=amendment.pk)):  # as a decision would
        Amendment.objects.filter(pk=amendment.pk).update(moderation_state="pending")
    comments = rec_url(recommendation, "comments/")
    amendments = rec_url(recommendation, "amendments/")
    listed = f"/api/consultations/{recommendation.consultation.slug}/recommendations/"

    def ids(url):
        return [item["id"] for item in api.get(url).json()["results"]]

    for person in (None, stakeholder):
        api.force_authenticate(person)
        # The hidden comment is there as the page shows it: a placeholder, no words.
        listed_comments = api.get(comments).json()["results"]
        assert [c["id"] for c in listed_comments] == [shown.pk, hidden.pk]
        assert [c["display"] for c in listed_comments] == ["full", "placeholder"]
        assert listed_comments[1]["body"] == "" and listed_comments[1]["author"] is None
        assert ids(amendments) == []
        detail = api.get(comments + f"{hidden.pk}/").json()
        assert (detail["display"], detail["body"]) == ("placeholder", "")
    [counted] = api.get(listed).json()["results"]
    assert (counted["comment_count"], counted["amendment_count"]) == (1, 0)
    assert api.get(listed, {"has_amendments": "true"}).json()["results"] == []

    api.force_authenticate(author)  # their own, with its state
    states = {c["id"]: c["moderation_state"] for c in api.get(comments).json()["results"]}
    assert states == {shown.pk: "published", hidden.pk: "hidden"}
    assert ids(amendments) == [amendment.pk]
    api.force_authenticate(moderator)
    assert sorted(ids(comments)) == sorted([shown.pk, hidden.pk])


@pytest.fixture
def moderators(make_person, with_totp):
    first = with_totp(make_person("mod1@example.org", groups=["Moderators"], is_staff=True))
    second = with_totp(make_person("mod2@example.org", groups=["Moderators"], is_staff=True))
    return first, second


def test_report_queue_decide_log_and_appeal(
    api, recommendation, stakeholder, make_person, moderators
):
    from moderation.models import Appeal, Flag

    first, second = moderators
    author = make_person("author@example.org")
    comment = services.comment_create(author=author, recommendation=recommendation, body="Buy!")

    api.force_authenticate(stakeholder)
    flag = {"kind": "comment", "id": comment.pk, "reason": "spam"}
    assert api.post("/api/moderation/flags/", flag).status_code == 201
    twice = api.post("/api/moderation/flags/", flag)
    assert twice.status_code == 400
    assert error_of(twice)["message"] == "You have already reported this contribution."
    assert api.get("/api/moderation/queue/").status_code == 403
    api.force_authenticate(author)
    own = api.post("/api/moderation/flags/", flag)
    assert own.status_code == 403
    assert error_of(own)["message"] == "This is your own contribution: you cannot report it."
    assert Flag.objects.count() == 1

    api.force_authenticate(first)
    queue = api.get("/api/moderation/queue/").json()
    [item] = queue["results"]
    assert (item["kind"], item["id"], item["open_flags"]) == ("comment", comment.pk, 1)
    assert item["flag_reasons"] == [{"reason": "Spam or advertising", "count": 1}]
    assert item["text"] == "Buy!" and item["moderation_state"] == "published"

    decision = {
        "kind": "comment",
        "id": comment.pk,
        "action": "hide",
        "expected_state": "published",
    }
    no_reason = api.post("/api/moderation/actions/", decision)
    assert no_reason.status_code == 400 and "reason" in error_of(no_reason)["fields"]
    hidden = api.post("/api/moderation/actions/", {**decision, "reason": "Advertising."})
    assert hidden.status_code == 201, hidden.content
    assert (hidden.json()["action"], hidden.json()["state_after"]) == ("hide", "hidden")
    comment.refresh_from_db()
    assert comment.moderation_state == "hidden"
    api.force_authenticate(second)  # saw it published: someone decided first
    stale = api.post("/api/moderation/actions/", {**decision, "reason": "Spam."})
    assert stale.status_code == 409
    assert error_of(stale)["code"] == "already_decided"

    log = api.get("/api/moderation/log/").json()["results"]
    assert [row["action"] for row in log] == ["hide", "flag"]
    assert api.get("/api/moderation/log/", {"action": "flag"}).json()["count"] == 1

    api.force_authenticate(author)
    appealed = api.post(
        "/api/moderation/appeals/", {"decision": hidden.json()["id"], "text": "It was a joke."}
    )
    assert appealed.status_code == 201, appealed.content
    appeal = Appeal.objects.get(pk=appealed.json()["id"])
    api.force_authenticate(first)  # took the decision: may not hear the appeal
    mine = api.post(
        f"/api/moderation/appeals/{appeal.pk}/decide/", {"outcome": "overturn", "reason": "OK"}
    )
    assert mine.status_code == 403
    api.force_authenticate(second)
    heard = api.post(
        f"/api/moderation/appeals/{appeal.pk}/decide/", {"outcome": "overturn", "reason": "Fair."}
    )
    assert heard.status_code == 200 and heard.json()["action"] == "overturn"
    comment.refresh_from_db()
    assert comment.moderation_state == "published"


def test_moderators_need_two_factor_authentication_in_the_api_too(api, moderator):
    api.force_authenticate(moderator)
    for url in ("/api/moderation/queue/", "/api/moderation/log/"):
        response = api.get(url)
        assert response.status_code == 403
        assert "two-factor authentication" in error_of(response)["message"]
