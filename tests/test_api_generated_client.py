"""The API as an integrator meets it: a Python client generated from the live schema with
openapi-python-client (offline: the generator needs only its package), every module of it
importable, and the journey of issue 17 through it against a running server (pytest-django's
live_server), with API tokens: read (consultations, recommendations, one recommendation, its
pillars), comment, reply (a second person), take a position, propose an amendment, report a
comment (the second person), the notifications (the reply's recipient lists them and marks
them read), the preferences (read, and changed by pillar codes), the results (JSON and CSV).
Every answer is parsed into the generated models, with every field the API sent set on them
(no `Unset`, no `None` where there was a value)."""

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


def _unset():
    return importlib.import_module(f"{PACKAGE}.types").UNSET


def _assert_parsed(value, raw, where="answer"):
    """Every field of the JSON `raw` is an attribute of the parsed model `value`, set to what
    was sent (nested models and lists too): none left in `additional_properties` (a field
    the schema does not declare), none `Unset` or `None` that had a value."""
    if isinstance(raw, list):
        assert isinstance(value, list) and len(value) == len(raw), where
        for n, (item, raw_item) in enumerate(zip(value, raw, strict=True)):
            _assert_parsed(item, raw_item, f"{where}[{n}]")
        return
    if not isinstance(raw, dict) or isinstance(value, dict):
        assert value is not _unset() and (value is None) == (raw is None), (where, value, raw)
        return
    assert value.additional_properties == {}, (where, value.additional_properties)
    for key, raw_value in raw.items():
        attribute = key if hasattr(value, key) else f"{key}_"  # `type` becomes `type_`
        _assert_parsed(getattr(value, attribute), raw_value, f"{where}.{key}")


def _parsed(response, model, status=200):
    """The answer of a `sync_detailed` call: its status, its parsed model, every field set."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert isinstance(response.parsed, model), response.parsed
    _assert_parsed(response.parsed, json.loads(response.content))
    return response.parsed


def _operations(tag, *names, prefix="consultations_recommendations_"):
    return [importlib.import_module(f"{PACKAGE}.api.{tag}.{prefix}{name}") for name in names]


# live_server needs a transactional database; serialized_rollback gives the test what the data
# migrations created (the stakeholder groups) and leaves it for the tests after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_generated_client_imports_and_makes_the_journey(
    generated_client, live_server, stakeholder, make_person
):
    count, failures = _import_every_module(generated_client)
    assert failures == [] and count > 100, failures

    consultation = factories.ConsultationFactory(slug="journey")
    pillar = factories.PillarFactory(consultation=consultation, code="P1")
    factories.RecommendationFactory(pillar=pillar, reference="P1-R1", title="Shorter trials")
    _, key = api_token_create(user=stakeholder, name="integration")
    replier = make_person("replier@example.org", display_name="Rae Replier")
    _, replier_key = api_token_create(user=replier, name="integration")

    client_module = importlib.import_module(f"{PACKAGE}.client")
    models = importlib.import_module(f"{PACKAGE}.models")
    anonymous = client_module.Client(base_url=live_server.url)
    signed_in = client_module.AuthenticatedClient(base_url=live_server.url, token=key)
    second = client_module.AuthenticatedClient(base_url=live_server.url, token=replier_key)
    where = ("journey", "P1-R1")

    _journey_read(models, anonymous)
    comment = _journey_dialogue(models, signed_in, second, where)
    _journey_notifications(models, signed_in, replier)
    _journey_preferences(models, signed_in)
    _journey_results(models, anonymous)

    # A refusal comes back as the documented error model, not as an exception of the client's.
    (comments_create,) = _operations("comments", "comments_create")
    refused = comments_create.sync_detailed(
        *where, client=anonymous, body=models.CommentCreateRequest(body="x")
    )
    assert _parsed(refused, models.Error, 401).error.code == "not_authenticated"
    assert comment.id


def _journey_read(models, client):
    """The consultations, the recommendations, one recommendation and the pillars."""
    (consultations, consultation, pillars) = _operations(
        "consultations", "list", "retrieve", "pillars_list", prefix="consultations_"
    )
    listed = _parsed(consultations.sync_detailed(client=client), models.PaginatedConsultationList)
    assert [c.slug for c in listed.results] == ["journey"]
    one = _parsed(consultation.sync_detailed("journey", client=client), models.Consultation)
    assert one.is_open
    codes = _parsed(
        pillars.sync_detailed("journey", client=client, page_size=10), models.PaginatedPillarList
    )
    assert [p.code for p in codes.results] == ["P1"]
    recommendations, recommendation = _operations("recommendations", "list", "retrieve")
    page = _parsed(
        recommendations.sync_detailed("journey", client=client, page_size=5),
        models.PaginatedRecommendationList,
    )
    assert [r.reference for r in page.results] == ["P1-R1"]
    detail = _parsed(
        recommendation.sync_detailed("journey", "P1-R1", client=client),
        models.RecommendationDetail,
    )
    assert detail.title == "Shorter trials"


def _journey_dialogue(models, signed_in, second, where):
    """Comment, a reply by another person, a position, an amendment, a report by the other
    person; then the threads, the replies, the position and the amendments read back."""
    comments_create, comments_list, replies_list = _operations(
        "comments", "comments_create", "comments_list", "comments_replies_list"
    )
    comment = _parsed(
        comments_create.sync_detailed(
            *where, client=signed_in, body=models.CommentCreateRequest(body="Phase II first.")
        ),
        models.Comment,
        201,
    )
    reply = _parsed(
        comments_create.sync_detailed(
            *where,
            client=second,
            body=models.CommentCreateRequest(body="Agreed.", parent=comment.id),
        ),
        models.Comment,
        201,
    )
    assert (reply.parent, reply.root, reply.depth) == (comment.id, comment.id, 1)
    positions_create, position_mine = _operations(
        "positions", "positions_create", "positions_mine_retrieve"
    )
    take = models.PositionTakeRequest(stance=models.StanceEnum.ENDORSE, reason="Overdue.")
    _parsed(
        positions_create.sync_detailed(*where, client=signed_in, body=take), models.Position, 201
    )
    amendments_create, amendments_list = _operations(
        "amendments", "amendments_create", "amendments_list"
    )
    proposal = models.AmendmentProposeRequest(
        title="Shorter, safer trials", body="A new wording.", justification="Clearer."
    )
    amendment = _parsed(
        amendments_create.sync_detailed(*where, client=signed_in, body=proposal),
        models.AmendmentDetail,
        201,
    )
    (flags_create,) = _operations("moderation", "flags_create", prefix="moderation_")
    report = models.FlagCreateRequest(
        kind=models.ContentKindEnum.COMMENT, id=comment.id, reason=models.ReportReasonEnum.SPAM
    )
    flag = _parsed(flags_create.sync_detailed(client=second, body=report), models.Flag, 201)
    assert (flag.kind, flag.content_id) == ("comment", comment.id)

    threads = _parsed(
        comments_list.sync_detailed(*where, client=signed_in), models.PaginatedCommentThreadList
    )
    (thread,) = threads.results
    assert (thread.body, thread.author.stakeholder_group) == (
        "Phase II first.",
        "patient-organisation",
    )
    assert [r.id for r in thread.replies] == [reply.id]
    assert (thread.more_replies, thread.replies_next) == (0, None)
    replies = _parsed(
        replies_list.sync_detailed(*where, str(comment.id), client=signed_in, page_size=5),
        models.ReplyPage,
    )
    assert ([r.body for r in replies.results], replies.more_replies) == (["Agreed."], 0)
    mine = _parsed(position_mine.sync_detailed(*where, client=signed_in), models.Position)
    assert (mine.stance, mine.reason) == (models.StanceEnum.ENDORSE, "Overdue.")
    proposed = _parsed(
        amendments_list.sync_detailed(*where, client=signed_in), models.PaginatedAmendmentList
    )
    assert [a.id for a in proposed.results] == [amendment.id]
    return comment


def _journey_notifications(models, signed_in, replier):
    """The reply's recipient finds the notice of it, marks it read, and has none unread."""
    notifications, mark_read = _operations(
        "me", "notifications_list", "notifications_read_create", prefix=""
    )
    listed = _parsed(
        notifications.sync_detailed(client=signed_in, unread=True),
        models.PaginatedNotificationList,
    )
    (notice,) = listed.results
    assert notice.kind == models.NotificationKindEnum.REPLY and not notice.is_read
    assert replier.display_name in notice.message and notice.recommendation == "P1-R1"
    marked = _parsed(mark_read.sync_detailed(str(notice.id), client=signed_in), models.Marked)
    assert marked.marked == 1
    unread = _parsed(
        notifications.sync_detailed(client=signed_in, unread=True),
        models.PaginatedNotificationList,
    )
    assert unread.count == 0 and unread.results == []


def _journey_preferences(models, signed_in):
    """Read the preferences, then follow a pillar by its consultation and code."""
    read, change = _operations(
        "me", "me_preferences_retrieve", "me_preferences_partial_update", prefix=""
    )
    before = _parsed(read.sync_detailed(client=signed_in), models.Preferences)
    assert before.pillars_of_interest == []
    wanted = models.PatchedPreferencesRequest(
        digest_frequency=models.DigestFrequencyEnum.WEEKLY,
        pillars_of_interest=[models.PillarReferenceRequest(consultation="journey", code="P1")],
    )
    after = _parsed(change.sync_detailed(client=signed_in, body=wanted), models.Preferences)
    assert after.digest_frequency == models.DigestFrequencyEnum.WEEKLY
    assert [(p.consultation, p.code) for p in after.pillars_of_interest] == [("journey", "P1")]
    again = _parsed(read.sync_detailed(client=signed_in), models.Preferences)
    assert again.to_dict() == after.to_dict()


def _journey_results(models, client):
    """The open data: JSON into its model, the CSV as the text it is."""
    as_json, as_csv = _operations(
        "open_data", "results_json_retrieve", "results_csv_retrieve", prefix="consultations_"
    )
    results = _parsed(as_json.sync_detailed("journey", client=client), models.Results)
    (row,) = results.recommendations
    assert (row.reference, row.totals.endorse, row.total) == ("P1-R1", 1, 1)
    csv = as_csv.sync_detailed("journey", client=client)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.parsed == csv.content.decode() and csv.parsed.startswith("reference,pillar,")
    assert "P1-R1" in csv.parsed
