"""The pages of responses: the recommendation page's response (or "awaiting response") and
timeline, "You said, we did", "My contributions", the synopsis; who may do what (web and
API, five roles); the query counts, the same for 3 and 30 recommendations."""

import datetime as dt

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from consultation import services as dialogue
from recommendations.models import Consultation
from responses import services
from responses.exports import SCHEMA_PATH
from responses.models import Response

from . import factories

ROLES = ("anonymous", "stakeholder", "moderator", "team", "administrator")


@pytest.fixture
def people(stakeholder, moderator, second_team_member, superuser, with_totp):
    with_totp(moderator)
    return {
        "anonymous": None,
        "stakeholder": stakeholder,
        "moderator": moderator,
        "team": second_team_member,
        "administrator": superuser,
    }


@pytest.fixture
def drafted(team_member, make_person):
    """A recommendation with a comment, and a draft response by a team member (so that
    another member, or an administrator, may review it)."""
    recommendation = factories.RecommendationFactory(reference="R1")
    author = make_person("ann@example.org", display_name="Ann")
    comment = dialogue.comment_create(author=author, recommendation=recommendation, body="Hmm.")
    status = services.response_statuses_ensure(consultation=recommendation.consultation)[0]
    response = services.response_save(
        recommendation=recommendation,
        acting_user=team_member,
        status=status,
        text="Adopted as it is.",
        comment_ids=[comment.pk],
    )
    return {"recommendation": recommendation, "response": response, "comment": comment}


def _publish(response, reviewer):
    return services.response_review(response=response, acting_user=reviewer)


def _client(client, person):
    if person is not None:
        client.force_login(person)
    return client


WEB = [
    # (method, url name, data, expected status per role)
    ("get", "responses:edit", None, (403, 403, 403, 200, 200)),
    (
        "post",
        "responses:edit",
        {"status": "{status}", "text": "Better reasons.", "comments": ["{comment}"]},
        (403, 403, 403, 302, 302),
    ),
    ("post", "responses:review", {"publish_at": ""}, (403, 403, 403, 302, 302)),
    (
        "post",
        "responses:update_add",
        {"date": "2026-02-01", "status": "in_progress", "progress": "20", "text": "Begun."},
        (403, 403, 403, 302, 302),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "name", "data", "expected"), WEB, ids=[w[1] + w[0] for w in WEB]
)
def test_web_permission_matrix(client, people, drafted, role, method, name, data, expected):
    recommendation = drafted["recommendation"]
    url = reverse(name, args=[recommendation.consultation.slug, "R1"])
    ids = {"status": drafted["response"].status_id, "comment": drafted["comment"].pk}
    if data:
        data = {
            k: [v.format(**ids) for v in value] if isinstance(value, list) else value.format(**ids)
            for k, value in data.items()
        }
    before = Response.objects.get().revision
    response = getattr(_client(client, people[role]), method)(url, data or {})
    assert response.status_code == expected[ROLES.index(role)]
    if response.status_code == 403:
        assert Response.objects.get().revision == before  # nothing written


@pytest.mark.parametrize("role", ROLES)
def test_reading_pages_is_open(client, people, drafted, second_team_member, role):
    recommendation = drafted["recommendation"]
    slug = recommendation.consultation.slug
    client = _client(client, people[role])
    page = client.get(recommendation.get_absolute_url())
    # A draft is the team's: everyone else reads "awaiting response".
    if role in ("team", "administrator"):
        assert "Adopted as it is." in page.content.decode()
    else:
        assert "Awaiting response" in page.content.decode()
        assert "Adopted as it is." not in page.content.decode()
    _publish(drafted["response"], second_team_member)
    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert "Adopted as it is." in page and 'id="response"' in page
    overview = client.get(reverse("responses:you_said_we_did", args=[slug]))
    assert overview.status_code == 200 and "Adopted as it is." in overview.content.decode()
    mine = client.get(reverse("responses:my_contributions"))
    assert mine.status_code == (302 if role == "anonymous" else 200)
    # The synopsis waits for the consultation to close.
    assert client.get(reverse("responses:synopsis", args=[slug])).status_code == 404
    Consultation.objects.filter(slug=slug).update(state=Consultation.State.CLOSED)
    assert client.get(reverse("responses:synopsis", args=[slug])).status_code == 200


API = [
    (
        "get",
        "/api/consultations/{slug}/responses/?status=adopted&pillar={pillar}",
        None,
        (200,) * 5,
    ),
    ("get", "/api/consultations/{slug}/recommendations/R1/updates/", None, (200,) * 5),
    (
        "put",
        "/api/consultations/{slug}/recommendations/R1/response/",
        {"status": "adopted", "text": "New reasons.", "comments": []},
        (401, 403, 403, 200, 200),
    ),
    (
        "post",
        "/api/consultations/{slug}/recommendations/R1/response/review/",
        {},
        (401, 403, 403, 200, 200),
    ),
    (
        "post",
        "/api/consultations/{slug}/recommendations/R1/updates/",
        {"date": "2026-02-01", "status": "completed", "progress": 100, "text": "Done."},
        (401, 403, 403, 201, 201),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "address", "data", "expected"), API, ids=[a[1] for a in API])
def test_api_permission_matrix(people, drafted, role, method, address, data, expected):
    client = APIClient()
    if people[role] is not None:
        client.force_authenticate(people[role])
    recommendation = drafted["recommendation"]
    address = address.format(
        slug=recommendation.consultation.slug, pillar=recommendation.pillar.code
    )
    response = getattr(client, method)(address, data, format="json")
    assert response.status_code == expected[ROLES.index(role)], response.content[:300]


def test_api_lists_published_responses_by_status_and_pillar(drafted, second_team_member):
    _publish(drafted["response"], second_team_member)
    client = APIClient()
    slug = drafted["recommendation"].consultation.slug
    base = f"/api/consultations/{slug}/responses/"
    rows = client.get(base + "?status=adopted").json()["results"]
    assert [r["reference"] for r in rows] == ["R1"]
    assert rows[0]["citations"] == [
        {"kind": "comment", "id": drafted["comment"].pk, "author": "Ann"}
    ]
    assert client.get(base + "?status=not-taken-up").json()["results"] == []
    assert client.get(base + "?pillar=NOPE").json()["results"] == []
    results = client.get(f"/api/consultations/{slug}/results.json").json()
    assert results["recommendations"][0]["response_status"] == "adopted"
    assert (
        "response_status" in client.get(f"/api/consultations/{slug}/results.csv").content.decode()
    )


def test_synopsis_json_follows_its_schema_and_hides_hidden_text(
    client, drafted, second_team_member, moderator
):
    from moderation import services as moderation_services

    _publish(drafted["response"], second_team_member)
    moderation_services.content_decide(
        acting_user=moderator,
        content=drafted["comment"],
        action="hide",
        reason="Off topic.",
        expected_state="published",
    )
    consultation = drafted["recommendation"].consultation
    Consultation.objects.filter(pk=consultation.pk).update(state=Consultation.State.CLOSED)
    data = client.get(reverse("responses:synopsis_json", args=[consultation.slug])).json()
    jsonschema.validate(data, __import__("json").loads(SCHEMA_PATH.read_text()))
    entry = data["pillars"][0]["recommendations"][0]
    assert entry["response"]["status"] == "adopted"
    assert entry["cited"] == [
        {"kind": "comment", "id": drafted["comment"].pk, "author": None, "text": None}
    ]
    assert data["methodology"]["hidden"] == 1
    assert data["methodology"]["hidden_reasons"] == {"Other reason": 1}
    html = client.get(reverse("responses:synopsis", args=[consultation.slug])).content.decode()
    assert "Hmm." not in html and "since hidden by the moderators" in html
    pdf = client.get(reverse("responses:synopsis_pdf", args=[consultation.slug]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    api = APIClient().get(f"/api/consultations/{consultation.slug}/synopsis/").json()
    assert api["pillars"] == data["pillars"]


def _consultation_with(n: int, team_member, reviewer, author) -> Consultation:
    """n recommendations over three pillars; each with a position, a comment, and a
    published response citing it, the wording changed."""
    consultation = factories.ConsultationFactory(slug=f"size-{n}")
    pillars = [factories.PillarFactory(consultation=consultation) for _ in range(3)]
    status = services.response_statuses_ensure(consultation=consultation)[1]
    for i in range(n):
        r = factories.RecommendationFactory(pillar=pillars[i % 3], reference=f"S{n}-{i}")
        dialogue.position_take(author=author, recommendation=r, stance="endorse")
        comment = dialogue.comment_create(author=author, recommendation=r, body=f"Note {i}.")
        response = services.response_save(
            recommendation=r,
            acting_user=team_member,
            status=status,
            text=f"Reasons {i}.",
            proposed_title=f"Changed title {i}",
            comment_ids=[comment.pk],
        )
        services.response_review(response=response, acting_user=reviewer)
    return consultation


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_recommendations(
    client, team_member, second_team_member, stakeholder
):
    small = _consultation_with(3, team_member, second_team_member, stakeholder)
    large = _consultation_with(30, team_member, second_team_member, stakeholder)
    Consultation.objects.update(state=Consultation.State.CLOSED)
    counts = {}
    for consultation in (small, large):
        counts[consultation.slug] = (
            _queries(client, reverse("responses:you_said_we_did", args=[consultation.slug])),
            _queries(client, reverse("responses:synopsis", args=[consultation.slug])),
            _queries(client, reverse("responses:synopsis_json", args=[consultation.slug])),
        )
    assert counts["size-3"] == counts["size-30"]
    # You said, we did (anonymous reader; the nav's open consultation is cached):
    #   1 the consultation, 2 the recommendations with their responses and statuses,
    #   3 the pillars, 4 the statuses (for the counts).
    # The synopsis, as HTML or JSON:
    #   1 the consultation, 2 the recommendations, 3 their first versions, 4 the published
    #   responses, 5 the citations with their contributions, 6 the positions by group,
    #   7-9 comments, amendments and positions per week and group, 10 the stakeholder groups,
    #   11-13 comments, amendments and positions per moderation state, 14 the participants
    #   (a UNION), 15 the moderation decisions per action and reason, 16 the reason templates.
    assert counts["size-30"] == (4, 16, 16)


def test_my_contributions_says_what_became_of_each(
    client, drafted, second_team_member, make_person
):
    ann = drafted["comment"].author
    recommendation = drafted["recommendation"]
    dialogue.position_take(author=ann, recommendation=recommendation, stance="endorse")
    _publish(drafted["response"], second_team_member)
    services.response_save(
        recommendation=recommendation,
        acting_user=second_team_member,
        status=drafted["response"].status,
        text="Adopted, reworded.",
        proposed_title="Reworded",
        comment_ids=[drafted["comment"].pk],
        note="Reworded after all.",
    )
    client.force_login(ann)
    page = client.get(reverse("responses:my_contributions")).content.decode()
    assert "Cited in the organisers" in page
    assert "The wording has changed since you took this position." in page
    # Constant: more contributions, the same queries.
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("responses:my_contributions"))
    for i in range(15):
        other = factories.RecommendationFactory(pillar=recommendation.pillar)
        dialogue.comment_create(author=ann, recommendation=other, body=f"More {i}.")
        dialogue.position_take(author=ann, recommendation=other, stance="oppose", reason="No.")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("responses:my_contributions"))
    assert len(few) == len(many)


def test_timeline_on_the_recommendation_page(client, drafted, team_member):
    recommendation = drafted["recommendation"]
    for day, progress in ((1, 10), (20, 60)):
        services.implementation_update_add(
            recommendation=recommendation,
            acting_user=team_member,
            date=dt.date(2026, 3, day),
            status="in_progress",
            text=f"Step at {progress}.",
            progress=progress,
        )
    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert page.index("Step at 60.") < page.index("Step at 10.")  # newest first
    assert "60% done" in page
