"""The API's contract (issue 17): a schema that strict validators accept, each request body
declared once (JSON), each operation declaring the error statuses it can really answer, and
the API strict where a client needs it (unknown values refused, one name for a group)."""

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator
from rest_framework.test import APIClient

from api.schema import _walk
from api.services import api_token_create
from consultation import services
from tests import factories
from tests.test_api import error_of

COMMENTS = "/api/consultations/demo/recommendations/P1-R1/comments/"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():  # reading the schema touches no table, but may connect
        response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operation(schema, path, method):
    return schema["paths"][path][method]


def test_the_schema_is_strictly_valid_openapi_3_1(schema):
    assert schema["openapi"] == "3.1.0"
    errors = [e.message for e in OpenAPIV31SpecValidator(schema).iter_errors()]
    assert errors == []
    # No 3.0 leftovers: `nullable` means nothing in 3.1, and a nullable object is a oneOf.
    assert not [node for node in _walk(schema) if "nullable" in node]
    author = schema["components"]["schemas"]["Version"]["properties"]["author"]
    assert author["oneOf"] == [{"$ref": "#/components/schemas/Person"}, {"type": "null"}]


def test_each_request_body_is_declared_once_as_json(schema):
    bodies = [
        (path, method, list(operation["requestBody"]["content"]))
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]
    assert len(bodies) > 15
    assert all(types == ["application/json"] for _, _, types in bodies), bodies


@pytest.mark.parametrize(
    ("path", "method", "declared", "not_declared"),
    [
        ("/api/consultations/", "get", {"400", "401", "404", "406", "429", "503"},
         {"403", "409", "415", "422"}),
        ("/api/consultations/{consultation_slug}/recommendations/{recommendation_reference}/comments/",
         "post", {"400", "401", "403", "404", "406", "415", "422", "429"}, {"409"}),
        ("/api/consultations/{consultation_slug}/recommendations/{recommendation_reference}/comments/{id}/",
         "get", {"401", "404", "406", "429"}, {"400", "403", "409", "415", "422"}),
        ("/api/moderation/actions/", "post", {"400", "403", "409", "415", "422"}, set()),
        ("/api/moderation/appeals/{id}/decide/", "post", {"404", "409", "415"}, set()),
        ("/api/moderation/flags/", "post", {"400", "403", "415", "422"}, {"409"}),
        ("/api/moderation/queue/", "get", {"400", "401", "403"}, {"409", "415", "422"}),
        ("/api/me/", "patch", {"400", "403", "415"}, {"404", "409", "422"}),
        ("/api/consultations/{consultation_slug}/results.csv", "get", {"404", "429"},
         {"400", "406", "409", "415"}),
    ],
)  # fmt: skip
def test_each_operation_declares_what_it_can_answer(schema, path, method, declared, not_declared):
    responses = set(_operation(schema, path, method)["responses"])
    assert declared <= responses
    assert not (not_declared & responses)


@pytest.mark.django_db
def test_a_form_encoded_body_is_refused_with_415_and_the_error_body(recommendation, stakeholder):
    api = APIClient()
    api.force_authenticate(stakeholder)
    response = api.post(COMMENTS, "body=Hi", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "unsupported_media_type"
    multipart = api.post(COMMENTS, {"body": "Hi"}, format="multipart")
    assert multipart.status_code == 415
    assert recommendation.comments.count() == 0


@pytest.mark.django_db
def test_an_accept_header_without_json_is_406_with_the_error_body(client):
    response = client.get("/api/consultations/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert error_of(response)["code"] == "not_acceptable"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "field"),
    [("/api/consultations/demo/recommendations/?has_amendments=maybe", "has_amendments"),
     ("/api/consultations/demo/recommendations/?status=nonsense", "status"),
     ("/api/consultations/demo/recommendations/P1-R1/positions/?page=abc", "page"),
     (COMMENTS + "?order=random", "order"),
     ("/api/notifications/?unread=maybe", "unread")],
)  # fmt: skip
def test_unknown_values_are_refused_not_ignored(recommendation, stakeholder, url, field):
    api = APIClient()
    api.force_authenticate(stakeholder)
    response = api.get(url)
    assert response.status_code == 400, response.content
    assert field in error_of(response)["codes"]


@pytest.mark.django_db
def test_known_boolean_values_still_filter(recommendation):
    response = APIClient().get("/api/consultations/demo/recommendations/?has_amendments=false")
    assert response.status_code == 200
    assert [r["reference"] for r in response.json()["results"]] == ["P1-R1"]
    amended = APIClient().get("/api/consultations/demo/recommendations/?has_amendments=true")
    assert amended.json()["results"] == []


@pytest.mark.django_db
def test_the_stakeholder_group_is_a_slug_with_its_label_everywhere(recommendation, stakeholder):
    api = APIClient()
    _, key = api_token_create(user=stakeholder, name="contract")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    group = stakeholder.stakeholder_group
    profile = api.get("/api/me/").json()
    assert (profile["stakeholder_group"], profile["stakeholder_group_label"]) == (
        group.slug,
        group.name,
    )
    created = api.post(COMMENTS, {"body": "Hello"}, format="json").json()
    assert (
        created["author"]["stakeholder_group"],
        created["author"]["stakeholder_group_label"],
    ) == (
        group.slug,
        group.name,
    )


@pytest.mark.django_db
def test_pillars_of_interest_are_named_by_consultation_and_code(recommendation, stakeholder):
    """As the pillar list and its addresses name them (a code is unique in its consultation),
    in and out; an unknown one, or one of a draft consultation, is a 400 naming it."""
    code = recommendation.pillar.code
    other = factories.PillarFactory(consultation=factories.ConsultationFactory(slug="other"))
    draft = factories.ConsultationFactory(slug="draft", state="draft")
    factories.PillarFactory(consultation=draft, code=code)
    api = APIClient()
    api.force_authenticate(stakeholder)
    codes = [p["code"] for p in api.get("/api/consultations/demo/pillars/").json()["results"]]
    assert codes == [code]
    both = [{"consultation": "demo", "code": code}, {"consultation": "other", "code": other.code}]
    saved = api.patch("/api/me/preferences/", {"pillars_of_interest": both}, format="json")
    assert saved.status_code == 200
    assert saved.json()["pillars_of_interest"] == both
    assert set(stakeholder.pillars_of_interest.all()) == {recommendation.pillar, other}
    assert api.get("/api/me/preferences/").json()["pillars_of_interest"] == both
    for slug, unknown in (("demo", "P999"), ("draft", code)):
        named = {"pillars_of_interest": [{"consultation": slug, "code": unknown}]}
        refused = api.patch("/api/me/preferences/", named, format="json")
        assert refused.status_code == 400
        assert error_of(refused)["codes"] == {"pillars_of_interest": ["does_not_exist"]}
        assert f"{slug}/{unknown}" in error_of(refused)["fields"]["pillars_of_interest"][0]
    half = api.patch(
        "/api/me/preferences/", {"pillars_of_interest": [{"consultation": "demo"}]}, format="json"
    )
    assert half.status_code == 400  # a PATCH too: a pillar's name has both parts
    assert error_of(half)["codes"] == {"pillars_of_interest.0.code": ["required"]}
    ids = api.patch("/api/me/preferences/", {"pillars_of_interest": [1]}, format="json")
    assert ids.status_code == 400  # an id is no longer a pillar's name
    assert error_of(ids)["codes"] == {"pillars_of_interest.0.non_field_errors": ["invalid"]}
    assert set(stakeholder.pillars_of_interest.all()) == {recommendation.pillar, other}
    cleared = api.patch("/api/me/preferences/", {"pillars_of_interest": []}, format="json")
    assert cleared.json()["pillars_of_interest"] == []


@pytest.mark.django_db
def test_an_address_with_a_newline_in_it_is_the_json_404(client):
    response = client.get("/api/consultations/a%0Ab/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.django_db
def test_a_body_naming_a_decision_that_does_not_exist_is_a_400_on_that_field(stakeholder):
    api = APIClient()
    api.force_authenticate(stakeholder)
    response = api.post("/api/moderation/appeals/", {"decision": 999, "text": "No."}, format="json")
    assert response.status_code == 400
    assert error_of(response)["codes"] == {"decision": ["does_not_exist"]}


@pytest.mark.django_db
def test_the_dialogues_lists_take_a_page_size(recommendation, make_person):
    """Comments (threads) and positions: ?page_size= from 1 to 100, else a 400 naming it."""
    api = APIClient()
    people = [make_person(f"p{n}@example.org") for n in range(3)]
    for person in people:
        services.comment_create(author=person, recommendation=recommendation, body="A thread.")
        services.position_take(author=person, recommendation=recommendation, stance="endorse")
    base = f"/api/consultations/{recommendation.consultation.slug}/recommendations/"
    base += f"{recommendation.reference}/"
    for path in ("comments/", "positions/"):
        page = api.get(f"{base}{path}?page_size=2").json()
        assert (page["count"], len(page["results"])) == (3, 2) and "page_size=2" in page["next"]
        for bad in ("0", "101", "x"):
            response = api.get(f"{base}{path}?page_size={bad}")
            assert response.status_code == 400 and "page_size" in error_of(response)["codes"]
