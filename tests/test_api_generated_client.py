"""The API as an integrator meets it: a Python client generated from the live schema with
openapi-python-client (offline: the generator needs only its package), every module of it
importable, and a short journey with it against a running server (pytest-django's live_server):
list the recommendations, sign in with an API token, comment, take a position, propose an
amendment, and read them back."""

import importlib
import json
import pkgutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from api.services import api_token_create
from tests import factories

PACKAGE = "p2p_generated_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def _generate(schema_url: str, into: Path):
    with urllib.request.urlopen(schema_url) as response:  # noqa: S310 - the live test server
        schema = json.load(response)
    (into / "schema.json").write_text(json.dumps(schema))
    # No post hooks (the default runs ruff over the code): the code as generated is what counts.
    (into / "config.yml").write_text(
        f"package_name_override: {PACKAGE}\nproject_name_override: p2p\npost_hooks: []\n"
    )
    done = subprocess.run(  # noqa: S603 - our own virtualenv's generator, fixed arguments
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(into / "schema.json"),
            "--config",
            str(into / "config.yml"),
            "--meta",
            "none",
            "--output-path",
            str(into / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Warnings mean a part of the schema the generator could not turn into code.
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr


@pytest.fixture
def generated_client(live_server, tmp_path):
    _generate(f"{live_server.url}/api/schema/?format=json", tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _import_every_module(package) -> tuple[int, list[str]]:
    failures, count = [], 0
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        count += 1
        try:
            importlib.import_module(module.name)
        except Exception as error:  # noqa: BLE001 - every failure is reported, not the first
            failures.append(f"{module.name}: {error!r}")
    return count, failures


# live_server needs a transactional database; serialized_rollback gives the test what the data
# migrations created (the stakeholder groups) and leaves it for the tests after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_generated_client_imports_and_makes_the_journey(
    generated_client, live_server, stakeholder
):
    count, failures = _import_every_module(generated_client)
    assert failures == [] and count > 100, failures

    consultation = factories.ConsultationFactory(slug="journey")
    pillar = factories.PillarFactory(consultation=consultation, code="P1")
    factories.RecommendationFactory(pillar=pillar, reference="P1-R1", title="Shorter trials")
    _, key = api_token_create(user=stakeholder, name="integration")

    client_module = importlib.import_module(f"{PACKAGE}.client")
    models = importlib.import_module(f"{PACKAGE}.models")

    def op(tag, name):
        return importlib.import_module(f"{PACKAGE}.api.{tag}.consultations_recommendations_{name}")

    recommendations = op("recommendations", "list")
    comments_create, comments_list = (
        op("comments", "comments_create"),
        op("comments", "comments_list"),
    )
    positions_create = op("positions", "positions_create")
    position_mine = op("positions", "positions_mine_retrieve")
    amendments_create = op("amendments", "amendments_create")
    amendments_list = op("amendments", "amendments_list")

    anonymous = client_module.Client(base_url=live_server.url)
    listed = recommendations.sync("journey", client=anonymous)
    assert isinstance(listed, models.PaginatedRecommendationList), listed
    assert [r.reference for r in listed.results] == ["P1-R1"]

    signed_in = client_module.AuthenticatedClient(base_url=live_server.url, token=key)
    where = ("journey", "P1-R1")
    comment = comments_create.sync(
        *where, client=signed_in, body=models.CommentCreateRequest(body="Phase II first.")
    )
    assert isinstance(comment, models.Comment), comment
    position = positions_create.sync(
        *where,
        client=signed_in,
        body=models.PositionTakeRequest(stance=models.StanceEnum.ENDORSE, reason="Overdue."),
    )
    assert isinstance(position, models.Position), position
    amendment = amendments_create.sync(
        *where,
        client=signed_in,
        body=models.AmendmentProposeRequest(
            title="Shorter, safer trials", body="A new wording.", justification="Clearer."
        ),
    )
    assert isinstance(amendment, models.AmendmentDetail), amendment

    threads = comments_list.sync(*where, client=signed_in)
    assert [t.body for t in threads.results] == ["Phase II first."]
    assert threads.results[0].author.stakeholder_group == stakeholder.stakeholder_group.slug
    mine = position_mine.sync(*where, client=signed_in)
    assert (mine.stance, mine.reason) == (models.StanceEnum.ENDORSE, "Overdue.")
    proposed = amendments_list.sync(*where, client=signed_in)
    assert [a.id for a in proposed.results] == [amendment.id]

    # A refusal comes back as the documented error model, not as an exception of the client's.
    refused = comments_create.sync(
        *where, client=anonymous, body=models.CommentCreateRequest(body="x")
    )
    assert isinstance(refused, models.Error) and refused.error.code == "not_authenticated"
