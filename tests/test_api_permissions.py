"""Every API endpoint and method against every role: anonymous, a stakeholder, the author of
the content at hand, a moderator and a consultation admin. Each signed-in role uses its own
personal API token, as a script would. The matrix is checked against the OpenAPI schema: an
operation added to the API without its row fails test_every_schema_operation_is_in_the_matrix."""

import re

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.services import api_token_create
from consultation import services
from notifications.models import Notification
from recommendations.models import Consultation

from . import factories

ROLES = ("anonymous", "stakeholder", "author", "moderator", "admin")

C = "/api/consultations/open/"
R = C + "recommendations/R1/"
CLOSED = "/api/consultations/closed/recommendations/R1/"
DRAFT = "/api/consultations/draft/"

ALL_200 = (200, 200, 200, 200, 200)
SIGNED_IN_200 = (401, 200, 200, 200, 200)
CONTRIBUTE_201 = (401, 201, 201, 201, 201)
AUTHOR_ONLY = (401, 403, 200, 403, 403)
MODERATORS_ONLY = (401, 403, 403, 200, 200)
CLOSED_403 = (401, 403, 403, 403, 403)
NOT_ALLOWED = (401, 405, 405, 405, 405)
STAFF_ONLY = (404, 404, 404, 200, 200)
TEAM_ONLY = (401, 403, 403, 403, 403)  # the consultation team's: none of these roles
AMENDMENT = {"title": "New title", "body": "New text.", "justification": "Clearer."}

# (method, address, data, expected status for each role in ROLES)
MATRIX = [
    # The published consultation: open to everyone.
    ("get", "/api/consultations/", None, ALL_200),
    ("get", C, None, ALL_200),
    ("get", C + "pillars/", None, ALL_200),
    ("get", C + "pillars/P1/", None, ALL_200),
    ("get", C + "challenges/", None, ALL_200),
    ("get", C + "challenges/C1/", None, ALL_200),
    ("get", C + "recommendations/", None, ALL_200),
    ("get", C + "recommendations/?pillar=P1&has_amendments=true", None, ALL_200),
    ("get", R, None, ALL_200),
    ("get", R + "versions/", None, ALL_200),
    ("get", R + "versions/1/", None, ALL_200),
    ("get", R + "versions/diff/?a=1&b=1", None, ALL_200),
    ("get", R + "comments/", None, ALL_200),
    ("get", R + "comments/{comment}/", None, ALL_200),
    ("get", R + "comments/{comment}/replies/", None, ALL_200),
    ("get", R + "positions/", None, ALL_200),
    ("get", R + "positions/breakdown/", None, ALL_200),
    ("get", R + "amendments/", None, ALL_200),
    ("get", R + "amendments/{amendment}/", None, ALL_200),
    ("get", C + "results.csv", None, ALL_200),
    ("get", C + "results.json", None, ALL_200),
    # The organisers' responses (the consultation team writes: none of these roles is in it;
    # tests/test_responses_pages.py runs the team's own matrix).
    ("get", C + "responses/", None, ALL_200),
    ("get", C + "responses/?status=adopted&pillar=P1", None, ALL_200),
    ("get", R + "response/", None, (404, 404, 404, 404, 404)),
    ("put", R + "response/", {"status": "adopted", "text": "Reasons."}, TEAM_ONLY),
    ("post", R + "response/review/", {}, TEAM_ONLY),
    ("get", R + "updates/", None, ALL_200),
    (
        "post",
        R + "updates/",
        {"date": "2026-01-05", "status": "planned", "text": "Planned."},
        TEAM_ONLY,
    ),
    ("get", "/api/consultations/closed/synopsis/", None, ALL_200),
    ("get", C + "synopsis/", None, (404, 404, 404, 404, 404)),
    ("get", C + "opinion-groups/", None, ALL_200),
    ("get", "/api/search/?q=patient", None, ALL_200),
    ("get", "/api/schema/", None, ALL_200),
    ("get", "/api/docs/", None, ALL_200),
    # Drafts: staff only (moderators and admins are staff).
    ("get", DRAFT, None, STAFF_ONLY),
    ("get", DRAFT + "recommendations/", None, STAFF_ONLY),
    ("get", DRAFT + "recommendations/D1/comments/", None, STAFF_ONLY),
    ("get", DRAFT + "results.json", None, STAFF_ONLY),
    ("get", DRAFT + "opinion-groups/", None, STAFF_ONLY),
    # Comments.
    ("post", R + "comments/", {"body": "A point."}, CONTRIBUTE_201),
    ("post", R + "comments/", {"body": "A reply.", "parent": "{comment}"}, CONTRIBUTE_201),
    ("patch", R + "comments/{comment}/", {"body": "Edited."}, AUTHOR_ONLY),
    ("put", R + "comments/{comment}/", {"body": "Edited."}, AUTHOR_ONLY),
    ("delete", R + "comments/{comment}/", None, (401, 403, 204, 403, 403)),
    # Positions: one's own only, so everyone signed in may take, change and withdraw theirs.
    ("post", R + "positions/", {"stance": "endorse"}, (401, 201, 200, 201, 201)),
    ("get", R + "positions/mine/", None, (401, 404, 200, 404, 404)),
    (
        "put",
        R + "positions/mine/",
        {"stance": "oppose", "reason": "No."},
        (401, 201, 200, 201, 201),
    ),
    ("delete", R + "positions/mine/", None, (401, 204, 204, 204, 204)),
    # Amendments.
    ("post", R + "amendments/", AMENDMENT, CONTRIBUTE_201),
    ("post", R + "amendments/{amendment}/withdraw/", None, AUTHOR_ONLY),
    ("post", R + "amendments/{amendment}/accept/", {"reason": "Agreed."}, MODERATORS_ONLY),
    ("post", R + "amendments/{amendment}/reject/", {"reason": "Off topic."}, MODERATORS_ONLY),
    # A closed consultation reads but takes no contribution.
    ("get", CLOSED + "comments/", None, ALL_200),
    ("post", CLOSED + "comments/", {"body": "Late."}, CLOSED_403),
    ("post", CLOSED + "positions/", {"stance": "endorse"}, CLOSED_403),
    ("delete", CLOSED + "positions/mine/", None, CLOSED_403),
    ("post", CLOSED + "amendments/", AMENDMENT, CLOSED_403),
    ("patch", CLOSED + "comments/{closed_comment}/", {"body": "Edited."}, CLOSED_403),
    # The person's own account.
    ("get", "/api/me/", None, SIGNED_IN_200),
    ("patch", "/api/me/", {"job_title": "Director"}, SIGNED_IN_200),
    ("put", "/api/me/", {"organisation": "Elsewhere"}, SIGNED_IN_200),
    ("get", "/api/me/preferences/", None, SIGNED_IN_200),
    ("patch", "/api/me/preferences/", {"digest_frequency": "off"}, SIGNED_IN_200),
    (
        "put",
        "/api/me/preferences/",
        {"digest_frequency": "weekly", "notify_replies": False, "pillars_of_interest": []},
        SIGNED_IN_200,
    ),
    ("get", "/api/me/export/", None, SIGNED_IN_200),
    ("get", "/api/notifications/", None, SIGNED_IN_200),
    ("post", "/api/notifications/{notification}/read/", None, (401, 404, 200, 404, 404)),
    ("post", "/api/notifications/read/", {}, SIGNED_IN_200),
    # Moderation: anyone who may contribute reports others' contributions; moderators (with
    # two-factor authentication) work the queue, decide and read the log; authors appeal.
    (
        "post",
        "/api/moderation/flags/",
        {"kind": "comment", "id": "{comment}", "reason": "spam"},
        (401, 201, 403, 201, 201),
    ),
    ("get", "/api/moderation/queue/", None, MODERATORS_ONLY),
    ("get", "/api/moderation/queue/?state=pending&kind=comment", None, MODERATORS_ONLY),
    ("get", "/api/moderation/log/", None, MODERATORS_ONLY),
    ("get", "/api/moderation/log/?action=hide&actor=system", None, MODERATORS_ONLY),
    (
        "post",
        "/api/moderation/actions/",
        {
            "kind": "comment",
            "id": "{comment}",
            "action": "hide",
            "reason": "Spam.",
            "expected_state": "published",
        },
        (401, 403, 403, 201, 201),
    ),
    (
        "post",
        "/api/moderation/appeals/",
        # Another's decision does not exist for them: a 400 on the body's `decision`.
        {"decision": "{decision}", "text": "Please."},
        (401, 400, 201, 403, 403),
    ),
    (
        "post",
        "/api/moderation/appeals/{appeal}/decide/",
        {"outcome": "uphold", "reason": "Right."},
        MODERATORS_ONLY,
    ),
    ("get", "/api/moderation/actions/", None, (401, 403, 403, 405, 405)),
    # Lifting a suspension: only moderators get past the permission check, to the person
    # (none here; the lifting itself is in test_suspension_lift.py).
    (
        "post",
        "/api/moderation/people/999999999/lift-suspension/",
        {"reason": "Served."},
        (401, 403, 403, 404, 404),
    ),
    # Methods no endpoint has.
    ("delete", C, None, NOT_ALLOWED),
    ("put", C, {"title": "Mine now"}, NOT_ALLOWED),
    ("post", C + "recommendations/", {"title": "New"}, NOT_ALLOWED),
    ("delete", R, None, NOT_ALLOWED),
    ("put", R + "versions/1/", {"title": "Rewritten"}, NOT_ALLOWED),
    ("delete", R + "amendments/{amendment}/", None, NOT_ALLOWED),
    ("delete", R + "positions/", None, NOT_ALLOWED),
    ("post", C + "results.json", {}, NOT_ALLOWED),
    ("delete", "/api/me/", None, NOT_ALLOWED),
    ("post", "/api/notifications/", {}, NOT_ALLOWED),
]


# Served under /api/ but not operations of the schema: the schema itself and its docs.
NOT_IN_SCHEMA = {"/api/schema/", "/api/docs/"}
METHODS = ("get", "post", "put", "patch", "delete")


def _schema_operations():
    """(path template, method) of every operation the OpenAPI schema documents."""
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return {(path, method) for path, item in paths.items() for method in item if method in METHODS}


def _template_of(address, templates):
    """The schema path an address is an instance of; the most literal one when several match
    (versions/diff/ is also a versions/{number}/)."""
    address = address.split("?")[0]
    matching = [
        template
        for template in templates
        if re.fullmatch(
            "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", template)), address
        )
    ]
    return min(matching, key=lambda template: template.count("{"), default=None)


def test_every_schema_operation_is_in_the_matrix():
    operations = _schema_operations()
    templates = {path for path, _ in operations}
    covered = set()
    for method, address, _, expected in MATRIX:
        template = _template_of(address, templates)
        if template is None:
            # Only the schema's own pages lie outside it; any other row has a typo.
            assert address in NOT_IN_SCHEMA, f"{address} is no path of the schema"
            continue
        if (template, method) not in operations:
            # A method the endpoint does not have: its row checks the refusal (a 405 for those
            # who pass the endpoint's permission check).
            assert 405 in expected, f"{method.upper()} {template} is not in the schema"
            continue
        covered.add((template, method))
    missing = sorted(f"{method.upper()} {path}" for path, method in operations - covered)
    assert not missing, f"Add these operations to MATRIX: {missing}"


@pytest.fixture
def world(make_person, stakeholder, moderator, consultation_admin, stakeholder_group, with_totp):
    """An open, a closed and a draft consultation; the author's comment, amendment, position
    and notification on the open one; another moderator's decisions about the author, one of
    them appealed."""
    from moderation import services as moderation_services

    cache.clear()  # throttles and contribution rate limits
    with_totp(moderator)
    with_totp(consultation_admin)
    other_moderator = make_person("mod2@example.org", groups=["Moderators"], is_staff=True)
    author = make_person(
        "author@example.org", display_name="Ann Author", stakeholder_group=stakeholder_group
    )
    opened = factories.ConsultationFactory(slug="open")
    pillar = factories.PillarFactory(consultation=opened, code="P1")
    factories.ChallengeFactory(pillar=pillar, code="C1")
    recommendation = factories.RecommendationFactory(pillar=pillar, reference="R1")
    closed_pillar = factories.PillarFactory(
        consultation=factories.ConsultationFactory(slug="closed"), code="P1"
    )
    closed = factories.RecommendationFactory(pillar=closed_pillar, reference="R1")
    draft_pillar = factories.PillarFactory(
        consultation=factories.ConsultationFactory(slug="draft", state=Consultation.State.DRAFT)
    )
    factories.RecommendationFactory(pillar=draft_pillar, reference="D1")

    comment = services.comment_create(author=author, recommendation=recommendation, body="Mine.")
    closed_comment = services.comment_create(author=author, recommendation=closed, body="Old.")
    Consultation.objects.filter(slug="closed").update(state=Consultation.State.CLOSED)
    amendment = services.amendment_propose(
        author=author, recommendation=recommendation, title="T", body="B", justification="J"
    )
    services.position_take(author=author, recommendation=recommendation, stance="endorse")
    notification = Notification.objects.create(user=author, kind="reply", message="A reply.")
    decisions = [
        moderation_services.content_decide(
            acting_user=other_moderator,
            content=services.comment_create(
                author=author, recommendation=recommendation, body=f"Off topic {i}."
            ),
            action="hide",
            reason="Off topic.",
            expected_state="published",
        )
        for i in range(2)
    ]
    appeal = moderation_services.appeal_create(
        acting_user=author, decision=decisions[1], text="It was on topic."
    )
    cache.clear()
    return {
        "people": {
            "anonymous": None,
            "stakeholder": stakeholder,
            "author": author,
            "moderator": moderator,
            "admin": consultation_admin,
        },
        "ids": {
            "comment": comment.pk,
            "closed_comment": closed_comment.pk,
            "amendment": amendment.pk,
            "notification": notification.pk,
            "decision": decisions[0].pk,
            "appeal": appeal.pk,
        },
    }


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(v, ids) for key, v in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "address", "data", "expected"),
    MATRIX,
    ids=[f"{m.upper()} {a}" for m, a, _, _ in MATRIX],
)
def test_permission_matrix(world, role, method, address, data, expected):
    client = APIClient()
    person = world["people"][role]
    if person is not None:
        _, key = api_token_create(user=person, name="matrix")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    ids = world["ids"]
    data = _fill(data, ids)
    response = getattr(client, method)(_fill(address, ids), data, format="json")
    want = expected[ROLES.index(role)]
    assert response.status_code == want, response.content[:300]
    if want >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]
