"""Nothing white-paper-specific in the code: a second consultation, in YAML, JSON or CSV,
shows its own kinds of recommendation and its own headings, or neutral defaults."""

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from recommendations.models import Recommendation

WATER = textwrap.dedent(
    """\
    consultation:
      slug: water
      title: Water for the valley
      organiser: The valley council
      source_kinds:
        - {code: assembly, label: Proposal of the citizens' assembly}
        - {code: council, label: The council's own proposal}
      labels:
        pillar_summary: What the assembly heard
        rationale: Why the council proposes it
      state: open
    advocates:
      - {slug: farmers, name: Farmers}
    pillars:
      - {code: W1, title: Sharing the river, summary: Upstream and downstream disagree.}
    challenges:
      - {code: W1-C1, pillar: W1, title: Dry summers, advocates: [farmers]}
    recommendations:
      - reference: W1-R1
        pillar: W1
        title: Meter every intake
        source: assembly
        advocates: [{advocate: farmers, as: some farmers}]
        challenges: [W1-C1]
      - reference: W1-R2
        pillar: W1
        title: Fund storage basins
        source: council
        rationale: Storage evens out the dry months.
    """
)
WHITE_PAPER_WORDS = [
    "What the panel said",
    "Panel recommendation",
    "recommendation following the event",
    "Johnson",
]


def pages(client) -> str:
    urls = [
        reverse("recommendations:consultation", args=["water"]),
        reverse("recommendations:pillar", args=["water", "W1"]),
        reverse("recommendations:list", args=["water"]),
        reverse("recommendations:detail", args=["water", "W1-R1"]),
        reverse("recommendations:detail", args=["water", "W1-R2"]),
        reverse("recommendations:challenge", args=["water", "W1-C1"]),
    ]
    html = ""
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html += response.content.decode()
    return html


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_second_consultation_shows_its_own_words(client, tmp_path, fmt):
    path = tmp_path / f"water.{fmt}"
    doc = yaml.safe_load(WATER)
    path.write_text(WATER if fmt == "yaml" else json.dumps(doc, indent=2), encoding="utf-8")
    call_command("seed_recommendations", str(path), verbosity=0)
    csv = tmp_path / "more.csv"
    csv.write_text(
        "consultation,reference,pillar,title,source,advocates\n"
        "water,W1-R3,W1,Share the meters' readings,assembly,farmers=farmers' unions\n",
        encoding="utf-8",
    )
    call_command("seed_recommendations", str(csv), verbosity=0)

    html = pages(client)
    for words in (
        "Proposal of the citizens&#x27; assembly",
        "The council&#x27;s own proposal",
        "What the assembly heard",
        "Why the council proposes it",
        "some farmers",
        "farmers&#x27; unions",
        "Share the meters&#x27; readings",
    ):
        assert words in html, words
    for words in WHITE_PAPER_WORDS:
        assert words not in html, words
    api = client.get("/api/consultations/water/recommendations/W1-R3/").json()
    assert api["source_label"] == "Proposal of the citizens' assembly"
    assert api["title_source"] == "source"


@pytest.mark.django_db
def test_without_kinds_or_headings_the_defaults_are_neutral(client, tmp_path):
    doc = yaml.safe_load(WATER)
    del doc["consultation"]["source_kinds"], doc["consultation"]["labels"]
    for rec in doc["recommendations"]:
        del rec["source"]
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    call_command("seed_recommendations", str(path), verbosity=0)
    html = pages(client)
    assert "Recommendation" in html and ">Summary<" in html and ">Rationale<" in html
    assert Recommendation.objects.get(reference="W1-R1").source == ""


def test_no_white_paper_wording_in_the_code_or_templates():
    root = Path(settings.BASE_DIR)
    for folder in ("recommendations", "templates", "api", "consultation", "results"):
        for path in (root / folder).rglob("*"):
            history = {"seeds", "migrations"} & set(path.parts)  # the paper, and the past
            if path.suffix in (".py", ".html", ".txt") and not history:
                text = path.read_text(encoding="utf-8")
                for words in WHITE_PAPER_WORDS[:3]:
                    assert words not in text, f"{path}: {words}"
