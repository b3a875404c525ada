"""Source fidelity: every text the seeded consultation presents as the paper's words is the
paper's, character for character once whitespace and the paper's emphasis markers are set
aside. Only texts marked editorial (title_source) may differ.

The paper is read where CI has it, beside the repository (../shared/seed/, or further up
from a worktree); the tests skip only when that file is truly absent.
"""

import re

import pytest
from django.conf import settings

from recommendations.models import Challenge, Pillar, Recommendation, TextSource

# ../shared/seed beside the repository (in CI); a worktree sits one level deeper.
PAPER = next(
    (
        found
        for parent in settings.BASE_DIR.parents
        if (found := parent / "shared" / "seed" / "from-plant-to-patient.txt").exists()
    ),
    settings.BASE_DIR.parent / "shared" / "seed" / "from-plant-to-patient.txt",
)
ATTRIBUTION = re.compile(r"\s*\(\*([^*]+)\*\)")

pytestmark = pytest.mark.skipif(not PAPER.exists(), reason=f"{PAPER} is absent")


def normalise(text: str) -> str:
    """Whitespace collapsed, the Markdown emphasis markers (* and **) removed."""
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


@pytest.fixture
def paper() -> str:
    return normalise(PAPER.read_text(encoding="utf-8"))


def items(consultation):
    return [
        *Challenge.objects.filter(consultation=consultation),
        *Recommendation.objects.filter(consultation=consultation),
    ]


def name(item) -> str:
    return getattr(item, "reference", None) or item.code


@pytest.mark.django_db
def test_every_passage_stands_in_the_paper_and_every_body_is_it_without_attribution(
    white_paper, paper
):
    for item in items(white_paper):
        assert normalise(item.source_passage) in paper, name(item)
        cut = normalise(ATTRIBUTION.sub("", item.source_passage))
        assert normalise(item.body) == cut, f"{name(item)}: the body is not the passage, cut"


@pytest.mark.django_db
def test_titles_are_the_passages_words_or_marked_editorial(white_paper, paper):
    editorial = []
    for item in [*items(white_paper), *Pillar.objects.filter(consultation=white_paper)]:
        if item.title_source == TextSource.EDITORIAL:
            editorial.append(name(item))
            continue
        assert normalise(item.title) in paper, f"{name(item)}: {item.title!r} is not the paper's"
        if getattr(item, "source_passage", ""):
            assert normalise(item.title) in normalise(item.source_passage), name(item)
    # The one passage without bold words of its own (J&J's fourth point on pillar 2).
    assert editorial == ["P2-R9"]


@pytest.mark.django_db
def test_advocates_carry_the_papers_own_qualifiers_in_its_order(white_paper):
    for item in items(white_paper):
        through = getattr(item, "challengeadvocate_set", None) or item.recommendationadvocate_set
        written = [a.as_written for a in through.order_by("position")]
        attributions = ATTRIBUTION.findall(item.source_passage)
        assert written and all(written), name(item)
        if attributions:
            joined = " ".join(attributions)
            positions = [joined.index(w) for w in written]
            assert positions == sorted(positions), f"{name(item)}: not in the paper's order"
    p2_r2 = Recommendation.objects.get(consultation=white_paper, reference="P2-R2")
    assert [a.as_written for a in p2_r2.recommendationadvocate_set.order_by("position")] == [
        "government official",
        "Johnson & Johnson",
    ]
    p3_r4 = Recommendation.objects.get(consultation=white_paper, reference="P3-R4")
    assert p3_r4.recommendationadvocate_set.get().as_written == "government officials"


@pytest.mark.django_db
def test_every_reflection_of_the_organiser_is_there_verbatim_linked_to_a_recommendation(
    white_paper, paper
):
    rationales = {
        r.reference: [normalise(p) for p in r.rationale.split("\n\n") if p.strip()]
        for r in Recommendation.objects.filter(consultation=white_paper)
    }
    for paragraphs in rationales.values():
        for paragraph in paragraphs:
            assert paragraph in paper
    reflections = [
        normalise(line[len("- 1) ") :])
        for line in PAPER.read_text(encoding="utf-8").splitlines()
        if re.match(r"- \d\) ", line)
    ]
    assert len(reflections) == 14
    linked = [p for paragraphs in rationales.values() for p in paragraphs]
    for reflection in reflections:
        assert reflection in linked, f"not linked to any recommendation: {reflection[:60]}"
    assert "collaborative CAR-T data network" in " ".join(rationales["P2-R8"])


@pytest.mark.django_db
def test_pillars_summary_notes_and_labels_are_the_papers(white_paper, paper):
    for pillar in Pillar.objects.filter(consultation=white_paper):
        for text in (pillar.title, pillar.heading, pillar.summary):
            assert normalise(text) in paper, text
    assert [p.title for p in white_paper.pillars.order_by("position")] == [
        "Supply chain",
        "Regulatory requirements",
        "Accessibility",
    ]
    for paragraph in white_paper.summary.split("\n\n"):
        assert normalise(paragraph) in paper
    for note in white_paper.notes.split("\n\n"):
        assert normalise(note) in paper
    for kind in white_paper.source_kinds:
        assert normalise(kind["label"]) in paper
    for label in white_paper.labels.values():
        assert normalise(label) in paper


@pytest.mark.django_db
def test_the_api_gives_title_source_and_provenance(client, white_paper):
    base = "/api/consultations/from-plant-to-patient"
    editorial = client.get(f"{base}/recommendations/P2-R9/").json()
    assert editorial["title_source"] == "editorial"
    provenance = editorial["provenance"]
    assert provenance["title_source"] == "editorial"
    assert provenance["source_document"] == white_paper.source_document
    assert provenance["section"] == "Conclusion — 2. Regulatory bottlenecks"
    assert provenance["passage"].startswith("Regulatory requirements should be clarified")
    assert provenance["imported"]["file_name"] == "from-plant-to-patient.yaml"
    assert len(provenance["imported"]["content_hash"]) == 64
    assert provenance["versions"] == [
        {
            "number": 1,
            "author": None,
            "reason": "Imported from from-plant-to-patient.yaml",
            "created_at": provenance["imported"]["imported_at"],
            "by_import": True,
        }
    ]
    challenge = client.get(f"{base}/challenges/P3-C2/").json()
    assert challenge["title_source"] == "source"
    assert challenge["provenance"]["passage"] == challenge["source_passage"]
    assert [a["as_written"] for a in challenge["advocates"]] == [
        "Johnson & Johnson",
        "government official",
    ]
