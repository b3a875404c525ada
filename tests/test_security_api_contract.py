"""One validation for web and API, and an API that is strict where a client needs it
(issue 17, point 5)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.test_api import error_of


@pytest.fixture
def me(stakeholder):
    api = APIClient()
    api.force_authenticate(stakeholder)
    return api


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "code"),
    [({"display_name": ""}, "display_name", "blank"),
     ({"stakeholder_group": None}, "stakeholder_group", "null")],
)  # fmt: skip
def test_patch_me_refuses_what_the_profile_form_refuses(me, stakeholder, data, field, code):
    response = me.patch("/api/me/", data, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["codes"] == {field: [code]}
    stakeholder.refresh_from_db()
    assert stakeholder.display_name == "Sam Stakeholder" and stakeholder.stakeholder_group_id


@pytest.mark.django_db
def test_the_profile_form_refuses_the_same(client, stakeholder):
    client.force_login(stakeholder)
    response = client.post("/accounts/profile/", {"display_name": "", "interests": "None."})
    assert response.status_code == 200
    form = response.context["form"]
    assert {"display_name", "stakeholder_group"} <= set(form.errors)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_unknown_api_paths_answer_json_404_for_every_method(method, stakeholder):
    client = Client(enforce_csrf_checks=True)  # as a browser with a session would be
    client.force_login(stakeholder)
    response = getattr(client, method)("/api/no/such/thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


@pytest.mark.django_db
def test_a_missing_trailing_slash_is_named(client):
    response = client.get("/api/consultations")
    assert response.status_code == 404
    assert "did you mean /api/consultations/ (with the slash)?" in error_of(response)["message"]


@pytest.mark.django_db
def test_strict_types_and_per_field_codes(me, recommendation_factory, consultation_factory):
    rec = recommendation_factory(
        pillar__consultation=consultation_factory(slug="demo"), reference="P1-R1"
    )
    url = f"/api/consultations/demo/recommendations/{rec.reference}/comments/"
    wrong_type = me.post(url, {"body": 123}, format="json")
    assert wrong_type.status_code == 400
    assert error_of(wrong_type)["codes"] == {"body": ["invalid"]}
    missing = me.post(url, {}, format="json")
    assert error_of(missing)["codes"] == {"body": ["required"]}
    too_long = me.patch("/api/me/", {"display_name": "x" * 151}, format="json")
    assert error_of(too_long)["codes"] == {"display_name": ["max_length"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "code"),
    [("abc", "invalid"), ("0", "min_value"), ("-1", "min_value"), ("1.5", "invalid"),
     ("101", "max_value"), ("9" * 30, "max_value")],
)  # fmt: skip
def test_page_size_must_be_a_whole_number_from_1_to_100(client, value, code):
    response = client.get("/api/consultations/", {"page_size": value})
    assert response.status_code == 400
    assert error_of(response)["codes"] == {"page_size": [code]}
