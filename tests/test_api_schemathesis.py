"""Property-based tests of the whole API from its own OpenAPI schema (schemathesis): every
operation, called through the WSGI application with generated parameters and bodies, answers no
5xx and only what the schema says, for each identity a script may have: anonymous and a
stakeholder's API token in one run, a moderator's (with two-factor authentication) in another,
so that the moderators' endpoints (queue, log, decisions, appeals, amendment decisions) are
exercised past their permission check too.

Path parameters and the ids in bodies are often pointed at real objects (else nearly every call
would be a 404), and the examples per operation are bounded so that the whole file runs in well
under a minute.
"""

import re

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks

from api.services import api_token_create
from consultation import services
from moderation import services as moderation_services
from notifications.models import Notification

from . import factories

EXAMPLES_PER_OPERATION = 10
# Who calls: "stakeholder" calls each case anonymously and with a stakeholder's token;
# "moderator" with a moderator's token (one call a case: the added run stays ~10 s).
IDENTITIES = ("stakeholder", "moderator")
MODERATORS_ONLY = {"/api/moderation/queue/", "/api/moderation/log/"}
# The real objects of the running test (filled in by the fixture, read while generating).
REAL: dict[str, str] = {}


@pytest.fixture
def _keep_the_test_connection():
    """As Django's test client does: the WSGI handler must not close the database connection
    at the end of each request (it holds the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def real_objects(
    db, settings, make_person, stakeholder, stakeholder_group, with_totp, _keep_the_test_connection
):
    cache.clear()
    # Generous limits: this test is about answers, not about throttling.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
    }
    settings.RATELIMIT_RATES = {"comment": "100000/m", "amendment": "100000/m"}

    consultation = factories.ConsultationFactory(slug="open")
    pillar = factories.PillarFactory(consultation=consultation, code="P1")
    factories.ChallengeFactory(pillar=pillar, code="C1")
    recommendation = factories.RecommendationFactory(
        pillar=pillar, reference="R1", advocates=[factories.AdvocateFactory(slug="industry")]
    )
    author = make_person("author@example.org", stakeholder_group=stakeholder_group)
    comment = services.comment_create(author=author, recommendation=recommendation, body="Hi")
    services.comment_create(author=stakeholder, recommendation=recommendation, body="Mine")
    amendment = services.amendment_propose(
        author=author, recommendation=recommendation, title="T", body="B", justification="J"
    )
    position = services.position_take(
        author=author, recommendation=recommendation, stance="endorse"
    )
    notification = Notification.objects.create(user=stakeholder, kind="reply", message="Hi")
    moderator = make_person("moderator@example.org", groups=["Moderators"], is_staff=True)
    decision = moderation_services.content_decide(
        acting_user=moderator,
        content=services.comment_create(author=author, recommendation=recommendation, body="Ad"),
        action="hide",
        reason="Advertising.",
        expected_state="published",
    )
    appeal = moderation_services.appeal_create(acting_user=author, decision=decision, text="No")
    _, key = api_token_create(user=stakeholder, name="schemathesis")
    # Not the moderator who decided: this one may also hear the appeal.
    hearing = with_totp(make_person("moderator2@example.org", groups=["Moderators"], is_staff=True))
    _, moderator_key = api_token_create(user=hearing, name="schemathesis")
    REAL.clear()
    REAL.update(
        consultation_slug="open",
        recommendation_reference="R1",
        code="C1",
        number="1",
        comment=str(comment.pk),
        amendment=str(amendment.pk),
        notification=str(notification.pk),
        position=str(position.pk),
        appeal=str(appeal.pk),
        decision=str(decision.pk),
        key=key,
        moderator_key=moderator_key,
    )


# Every check schemathesis has (status codes, content types, headers, bodies, negative data
# rejected, positive data accepted, unsupported methods, deleted resources gone, ...).
load_all_checks()
ALL_CHECKS = CHECKS.get_all()
assert len(ALL_CHECKS) >= 14, [c.__name__ for c in ALL_CHECKS]
# positive_data_acceptance (a request the schema allows is accepted) holds everywhere but
# where acceptance depends on what the schema cannot say: which ids and slugs exist, and the
# rules across fields or about the object's state that the services keep. There a schema-valid
# request may get a 400, which must still name its fields (checked below).
RULES_THE_SCHEMA_CANNOT_SAY = {
    # ids that must exist on this recommendation (`parent`, `amendment`); a blank body
    ("POST", "/comments/"): "ids",
    ("PUT", "/comments/{id}/"): "blank",
    ("PATCH", "/comments/{id}/"): "blank",
    # the reply `after` must be one of the thread's
    ("GET", "/comments/{id}/replies/"): "ids",
    # a reason is needed to oppose or endorse with reservations
    ("POST", "/positions/"): "rule across fields",
    ("PUT", "/positions/mine/"): "rule across fields",
    # a title, body and justification that say something; a reason to reject
    ("POST", "/amendments/"): "blank",
    ("POST", "/amendments/{id}/reject/"): "rule about the decision",
    ("POST", "/amendments/{id}/accept/"): "state",
    ("POST", "/amendments/{id}/withdraw/"): "state",
    # the groups are the database's; the profile's required fields
    ("PUT", "/api/me/"): "slug",
    ("PATCH", "/api/me/"): "slug",
    ("PUT", "/api/me/preferences/"): "slugs and codes",
    ("PATCH", "/api/me/preferences/"): "slugs and codes",
    ("POST", "/api/notifications/read/"): "ids",
    # the pillars, advocates and source kinds are the consultation's
    ("GET", "/recommendations/"): "slugs",
    ("GET", "/api/moderation/queue/"): "slug",
    ("GET", "/api/moderation/log/"): "slug",
    # the content, decision or appeal named must exist, and be in the state expected
    ("POST", "/api/moderation/actions/"): "ids, state, rule across fields",
    ("POST", "/api/moderation/flags/"): "ids, rule across fields",
    ("POST", "/api/moderation/appeals/"): "ids, state",
    ("POST", "/api/moderation/appeals/{id}/decide/"): "state, rule across fields",
    ("POST", "/lift-suspension/"): "state",
    ("PUT", "/response/"): "slugs, ids",
    ("POST", "/response/review/"): "state",
    ("POST", "/updates/"): "state",
    ("GET", "/versions/diff/"): "numbers",
}


def _checks_for(operation):
    for (method, tail), _why in RULES_THE_SCHEMA_CANNOT_SAY.items():
        if operation.method.upper() == method and operation.path.endswith(tail):
            return [c for c in ALL_CHECKS if c.__name__ != "positive_data_acceptance"]
    return ALL_CHECKS


# Read through the WSGI application, as a client would (generating it needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
# Query parameters the API does not know are ignored, as HTTP APIs commonly do (a cache-buster,
# DRF's `format`); those it knows are strict (tests/test_api_contract.py).
schema.config.generation.update(allow_extra_parameters=False)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, point every path parameter at a real object."""
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    if not all(_valid_path_value(name, value) for name, value in path_parameters.items()):
        # A negative case's (a value the schema refuses): pointing it at a real object would
        # make it a valid request.
        return st.just(path_parameters)
    real = {}
    for name in path_parameters:
        if name == "id":
            kinds = ("comment", "amendment", "notification", "appeal")
            kind = next((k for k in kinds if k in path), "")
            real[name] = REAL.get(kind, path_parameters[name])
        elif name == "code":
            real[name] = "P1" if "/pillars/" in path else "C1"
        else:
            real[name] = REAL.get(name, path_parameters[name])
    return st.sampled_from([real, path_parameters])


def _valid_path_value(name, value) -> bool:
    if name in ("id", "number"):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1
    if name == "consultation_slug":
        return isinstance(value, str) and re.fullmatch(r"[-a-zA-Z0-9_]+", value) is not None
    return isinstance(value, str) and value != "" and "\x00" not in value


@schema.hook
def flatmap_body(context, body):
    """Half the time, point the ids a body names (the content to report or decide on, the
    decision to appeal, the comment to reply to) at real objects."""
    if not isinstance(body, dict):
        return st.just(body)
    real = dict(body)
    if "id" in body and body.get("kind") in ("comment", "amendment", "position"):
        real["id"] = int(REAL[body["kind"]])
    if "decision" in body:
        real["decision"] = int(REAL["decision"])
    if "parent" in body:
        real["parent"] = int(REAL["comment"])
    return st.sampled_from([real, body])


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=True,
    # Generated examples only: the explicit phase adds schemathesis's "coverage" cases, some
    # hundreds an operation, far past this test's minute.
    phases=[hypothesis.Phase.generate],
    suppress_health_check=list(hypothesis.HealthCheck),
)
@pytest.mark.parametrize("identity", IDENTITIES)
def test_api_answers_as_its_schema_says(real_objects, identity, case):
    checks = _checks_for(case.operation)
    # A case may carry an Authorization header of its own (a negative case's, malformed on
    # purpose): it is sent as generated, not replaced by the identity's token.
    generated_auth = "authorization" in {name.lower() for name in case.headers or {}}
    if identity == "stakeholder":
        _refusal_names_its_fields(case.call_and_validate(checks=checks))
        if not generated_auth:
            bearer = {"Authorization": f"Bearer {REAL['key']}"}
            _refusal_names_its_fields(case.call_and_validate(checks=checks, headers=bearer))
        return
    if generated_auth:
        return
    bearer = {"Authorization": f"Bearer {REAL['moderator_key']}"}
    response = case.call_and_validate(checks=checks, headers=bearer)
    _refusal_names_its_fields(response)
    if case.operation.path in MODERATORS_ONLY:
        # The token and its person's second factor are let in: the run reaches the view.
        assert response.status_code not in (401, 403), response.text[:300]


def _refusal_names_its_fields(response):
    """A 400 says what is wrong with which field (or, for a rule about the whole request, in
    its message), with a code for each field."""
    if response.status_code != 400:
        return
    error = response.json()["error"]
    assert error["message"], error
    assert set(error["codes"]) == set(error["fields"]), error
