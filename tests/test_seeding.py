"""The seed importer: formats, idempotency, versions, and every kind of bad file."""

import json
import textwrap

import pytest
from django.core.management import CommandError, call_command

from recommendations.models import (
    Advocate,
    Challenge,
    Consultation,
    Pillar,
    Recommendation,
    RecommendationVersion,
)

GOOD_YAML = textwrap.dedent(
    """\
    consultation:
      slug: demo
      title: A demo consultation
      organiser: Acme
      source_kinds:
        - {code: panel, label: From the panel}
        - {code: organiser, label: From the organiser}
      state: open
      opens_at: 2026-01-01T00:00:00+01:00
      closes_at: 2026-12-31T00:00:00+01:00
    advocates:
      - {slug: industry, name: Industry}
      - {slug: academia, name: Academia}
    pillars:
      - {code: P1, title: Supply chain}
      - {code: P2, title: Access}
    challenges:
      - {code: P1-C1, pillar: P1, title: Slow licensing, advocates: [industry]}
    recommendations:
      - reference: P1-R1
        pillar: P1
        title: Accelerate operational launch
        body: By simplifying regulations.
        source: panel
        advocates: [industry, academia]
        challenges: [P1-C1]
        source_section: Conclusion
        source_passage: "**Accelerate operational launch** (*industry*)"
      - reference: P2-R1
        pillar: P2
        title: Reflect long-term value
        source: organiser
    """
)


def snapshot():
    """Everything the importer can write, to prove a failed import wrote nothing."""
    return (
        list(Consultation.objects.values_list("slug", "title")),
        list(Advocate.objects.values_list("slug", "name")),
        list(Pillar.objects.values_list("code", "title")),
        list(Challenge.objects.values_list("code", "title")),
        list(Recommendation.objects.values_list("reference", "title", "body")),
        list(RecommendationVersion.objects.values_list("recommendation_id", "number")),
    )


@pytest.fixture
def seed_file(tmp_path):
    def write(name, content):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.mark.django_db
def test_yaml_import_creates_everything_with_attribution_order_and_first_version(seed_file):
    call_command("seed_recommendations", str(seed_file("demo.yaml", GOOD_YAML)), verbosity=0)

    rec = Recommendation.objects.get(reference="P1-R1")
    assert rec.consultation.slug == "demo"
    assert rec.pillar.code == "P1"
    assert [a.advocate.slug for a in rec.recommendationadvocate_set.order_by("position")] == [
        "industry",
        "academia",
    ]
    assert list(rec.challenges.values_list("code", flat=True)) == ["P1-C1"]
    assert rec.source_passage == "**Accelerate operational launch** (*industry*)"
    assert list(rec.versions.values_list("number", "title")) == [
        (1, "Accelerate operational launch")
    ]
    assert Recommendation.objects.get(reference="P2-R1").source == "organiser"
    assert Consultation.objects.get().is_open in (True, False)


@pytest.mark.django_db
def test_reimport_is_idempotent_and_a_changed_wording_becomes_a_new_version(seed_file):
    path = seed_file("demo.yaml", GOOD_YAML)
    call_command("seed_recommendations", str(path), verbosity=0)
    call_command("seed_recommendations", str(path), verbosity=0)
    assert Recommendation.objects.count() == 2
    assert RecommendationVersion.objects.count() == 2

    path.write_text(GOOD_YAML.replace("By simplifying regulations.", "By simplifying rules."))
    call_command("seed_recommendations", str(path), verbosity=0)  # reported, not applied
    assert Recommendation.objects.get(reference="P1-R1").body == "By simplifying regulations."
    call_command("seed_recommendations", str(path), apply_source_changes=True, verbosity=0)

    rec = Recommendation.objects.get(reference="P1-R1")
    assert rec.body == "By simplifying rules."
    assert list(rec.versions.order_by("number").values_list("number", "body")) == [
        (1, "By simplifying regulations."),
        (2, "By simplifying rules."),
    ]
    assert Recommendation.objects.count() == 2


@pytest.mark.django_db
def test_json_and_csv_use_the_same_schema(seed_file):
    import yaml

    doc = yaml.safe_load(GOOD_YAML)
    doc["consultation"]["opens_at"] = "2026-01-01T00:00:00+01:00"
    doc["consultation"]["closes_at"] = "2026-12-31T00:00:00+01:00"
    call_command("seed_recommendations", str(seed_file("demo.json", json.dumps(doc))), verbosity=0)
    csv_text = (
        "consultation,reference,pillar,title,body,source,advocates,challenges,status\n"
        'demo,P1-R2,P1,"Modernise curricula","Align programmes, now.",panel,'
        "industry;academia,P1-C1,open\n"
    )
    call_command("seed_recommendations", str(seed_file("more.csv", csv_text)), verbosity=0)

    rec = Recommendation.objects.get(reference="P1-R2")
    assert rec.body == "Align programmes, now."
    assert rec.advocates.count() == 2
    assert Recommendation.objects.filter(consultation__slug="demo").count() == 3


BAD_FILES = [
    # (file name, content, expected fragments of the message)
    (
        "broken.yaml",
        "consultation:\n  slug: demo\n  title: [unclosed\n",
        ["broken.yaml:4", "malformed YAML"],
    ),
    (
        "broken.json",
        '{"consultation": {"slug": "demo",}',
        ["broken.json:1", "malformed JSON"],
    ),
    (
        "broken.csv",
        'consultation,reference,pillar,title\ndemo,X-1,P1,"unclosed\n',
        ["broken.csv:2", "malformed CSV"],
    ),
    (
        "unknown-field.yaml",
        GOOD_YAML.replace("    source: panel\n", "    source: panel\n    colour: blue\n"),
        ["unknown-field.yaml:20: record P1-R1, field colour: unknown field"],
    ),
    (
        "missing-field.yaml",
        GOOD_YAML.replace("  - reference: P2-R1\n    pillar: P2\n", "  - reference: P2-R1\n"),
        ["record P2-R1, field pillar: missing field"],
    ),
    (
        "unknown-pillar.yaml",
        GOOD_YAML.replace("pillar: P2\n", "pillar: P9\n"),
        ["record P2-R1, field pillar: unknown pillar 'P9'"],
    ),
    (
        "unknown-advocate.yaml",
        GOOD_YAML.replace("advocates: [industry, academia]", "advocates: [industry, martians]"),
        ["record P1-R1, field advocates: unknown advocate 'martians'"],
    ),
    (
        "duplicate.yaml",
        GOOD_YAML.replace("reference: P2-R1", "reference: P1-R1"),
        ["record P1-R1, field reference: duplicate reference (also at"],
    ),
    (
        "empty-title.yaml",
        GOOD_YAML.replace("title: Reflect long-term value", 'title: "  "'),
        ["record P2-R1, field title: must not be empty"],
    ),
    (
        "bad-choice.yaml",
        GOOD_YAML.replace("source: organiser", "source: rumour"),
        ["record P2-R1, field source: 'rumour' is not a source kind of the consultation"],
    ),
    (
        "bad-csv-row.csv",
        "consultation,reference,pillar,title\ndemo,P1-R9,P1,Fine\ndemo,P1-R10,P7,Bad pillar\n",
        ["bad-csv-row.csv:3: record P1-R10, field pillar: unknown pillar 'P7'"],
    ),
    (
        "bad-csv-header.csv",
        "consultation,reference,pillar,title,colour\ndemo,P1-R9,P1,Fine,blue\n",
        ["bad-csv-header.csv:1: field colour: unknown column"],
    ),
    ("notes.txt", "hello", ["notes.txt", "unknown format"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_names_file_record_and_field_and_writes_nothing(
    seed_file, name, content, expected
):
    # The CSV cases refer to a consultation that exists already.
    call_command("seed_recommendations", str(seed_file("demo.yaml", GOOD_YAML)), verbosity=0)
    before = snapshot()

    with pytest.raises(CommandError) as excinfo:
        call_command("seed_recommendations", str(seed_file(name, content)), verbosity=0)

    message = str(excinfo.value)
    assert message.startswith("Nothing was imported")
    for fragment in expected:
        assert fragment in message
    assert snapshot() == before


@pytest.mark.django_db
def test_one_bad_file_among_several_imports_none_of_them(seed_file):
    good = seed_file("demo.yaml", GOOD_YAML)
    bad = seed_file(
        "bad.yaml", GOOD_YAML.replace("slug: demo", "slug: other").replace("P2\n", "P8\n", 1)
    )
    with pytest.raises(CommandError):
        call_command("seed_recommendations", str(good), str(bad), verbosity=0)
    assert snapshot() == ([], [], [], [], [], [])


def test_the_command_exits_non_zero_with_the_message(tmp_path):
    """Run as a user does: a real process, its exit code and its stderr."""
    import subprocess
    import sys

    path = tmp_path / "bad.yaml"
    path.write_text("consultation: [\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_recommendations", str(path)],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    )
    assert result.returncode != 0
    assert f"{path}:2: malformed YAML" in result.stderr
    assert "Traceback" not in result.stderr
    assert "malformed YAML" in result.stderr
