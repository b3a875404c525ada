"""Hostile and careless seed files (tests/seed_corpus/, and a 50 MB file made here): each is
refused whole with its one expected message, as `file:line: record KEY, field NAME: message`,
never a traceback, and the database is as it was. The suite runs on SQLite and PostgreSQL;
`python -m bench import` times each refusal and its peak memory."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from recommendations.forms import SeedUploadForm
from recommendations.models import Advocate, Consultation, Recommendation, SeedImport

CORPUS = Path(__file__).resolve().parent / "seed_corpus"

EXPECTED = {
    "alias-bomb.yaml": ["alias-bomb.yaml:1: YAML anchors (&a) are not allowed"],
    "custom-tag.yaml": [
        "custom-tag.yaml:15: YAML tags (tag:yaml.org,2002:python/object/apply:os.system) "
        "are not allowed"
    ],
    "deep.json": ["deep.json:1: nested deeper than 6 levels"],
    "deep.yaml": ["deep.yaml:7: nested deeper than 6 levels"],
    "duplicates.yaml": [
        "duplicates.yaml:18: record P1-R1, field reference: duplicate reference (also at "
    ],
    "latin1.csv": ["latin1.csv:2: not UTF-8 text (byte 0xE9 cannot be read)"],
    "over-long.yaml": [
        "over-long.yaml:13: record P1-R1, field title: too long: 439 characters, at most 300"
    ],
    "script.yaml": [
        "script.yaml:13: record P1-R1, field title: markup is not allowed (found an HTML tag)"
    ],
    "unknown-advocate.yaml": [
        "unknown-advocate.yaml:13: record P1-R1, field advocates: unknown advocate 'martians'"
    ],
    "unknown-pillar.yaml": [
        "unknown-pillar.yaml:13: record P1-R1, field pillar: unknown pillar 'P9'"
    ],
    "wrong-types.yaml": [
        "wrong-types.yaml:13: record P1-R1, field title: expected text, found a list",
        "wrong-types.yaml:13: record P1-R1, field position: expected a whole number",
        # One message for the field, not one per character of the string.
        "wrong-types.yaml:13: record P1-R1, field advocates: expected a list of advocates "
        "(slugs, or advocate and as), found str",
    ],
}


def snapshot():
    return (
        list(Consultation.objects.values_list("slug", "state")),
        list(Advocate.objects.values_list("slug", "name")),
        list(Recommendation.objects.values_list("reference", "title", "body")),
        SeedImport.objects.count(),
    )


def refuse(path: Path) -> list[str]:
    with pytest.raises(CommandError) as excinfo:
        call_command("seed_recommendations", str(path), verbosity=0)
    message = str(excinfo.value)
    assert message.startswith("Nothing was imported")
    assert "Traceback" not in message
    return message.splitlines()[1:]


def test_every_file_of_the_corpus_has_its_expected_message():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_file_is_refused_with_its_message_and_changes_nothing(white_paper, name):
    before = snapshot()
    problems = refuse(CORPUS / name)
    assert len(problems) == len(EXPECTED[name]), problems
    for problem, expected in zip(problems, EXPECTED[name], strict=True):
        assert problem.startswith(f"{CORPUS / name}:") and expected in problem
    assert snapshot() == before


@pytest.mark.django_db
def test_a_50_mb_file_is_refused_by_its_size_before_it_is_read(white_paper, tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on the disk
    before = snapshot()
    [problem] = refuse(big)
    assert problem == (
        f"{big}: the file has 52,428,800 bytes; the limit is 5,242,880 (SEED_MAX_BYTES)"
    )
    assert snapshot() == before


@pytest.mark.django_db
def test_the_limit_is_one_setting_for_the_command_and_the_admin_upload(settings, tmp_path):
    settings.SEED_MAX_BYTES = 100
    path = tmp_path / "small.yaml"
    path.write_text("consultation: x\n" + "#" * 100)
    [problem] = refuse(path)
    assert problem.endswith("the limit is 100 (SEED_MAX_BYTES)")
    upload = SimpleUploadedFile("small.yaml", path.read_bytes())
    form = SeedUploadForm(data={}, files={"file": upload})
    assert not form.is_valid()
    assert form.errors["file"] == [
        "small.yaml: the file has 116 bytes; the limit is 100 (SEED_MAX_BYTES)"
    ]
    assert not Consultation.objects.exists()


@pytest.mark.django_db
def test_a_csv_with_a_bom_reads_as_utf8(white_paper, tmp_path):
    path = tmp_path / "bom.csv"
    text = "consultation,reference,pillar,title\nfrom-plant-to-patient,P1-R99,P1,Café launch\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    call_command("seed_recommendations", str(path), verbosity=0)
    assert Recommendation.objects.get(reference="P1-R99").title == "Café launch"
