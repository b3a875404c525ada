"""The canonical seed: the white paper as `make run` loads it, checked against the paper."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from recommendations.models import Challenge, Pillar, Recommendation, RecommendationVersion

PAPER = (
    Path(__file__).resolve().parents[1] / "recommendations" / "seeds" / "from-plant-to-patient.txt"
)


def advocates(rec):
    return [a.advocate.slug for a in rec.recommendationadvocate_set.order_by("position")]


@pytest.mark.django_db
def test_three_pillars_eleven_challenges_twenty_five_recommendations(white_paper):
    assert white_paper.organiser == "Johnson & Johnson"
    assert white_paper.is_open
    assert Pillar.objects.filter(consultation=white_paper).count() == 3
    assert Challenge.objects.filter(consultation=white_paper).count() == 11
    recs = Recommendation.objects.filter(consultation=white_paper)
    assert recs.count() == 25
    assert recs.filter(source="panel").count() == 14
    assert recs.filter(source="organiser").count() == 11
    per_pillar = {p.code: p.recommendations.count() for p in white_paper.pillars.all()}
    assert per_pillar == {"P1": 9, "P2": 9, "P3": 7}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Accelerate operational launch", ["johnson-johnson"]),
        (
            "Attract and support large-scale manufacturing to Belgium",
            ["industry", "johnson-johnson"],
        ),
        ("Accelerate market access of ATMPs", ["industry", "government"]),
        ("Support the FAMHP's ATMP Spearhead Initiative", ["government", "johnson-johnson"]),
        ("Improve the utilization of hospital exemption", ["academia"]),
        ("Foster collaboration through multi-stakeholder platforms", ["government"]),
        ("Establish dedicated funding mechanisms for hospitals", ["industry"]),
        ("Enhance cross-border collaboration and strategic horizon scanning", ["government"]),
    ],
)
def test_panel_recommendations_keep_the_papers_attribution(white_paper, title, expected):
    rec = Recommendation.objects.filter(consultation=white_paper, source="panel").get(
        title__iregex=r"^" + re.escape(title).replace("'", "['’]") + r"$"
    )
    assert advocates(rec) == expected


@pytest.mark.django_db
def test_organiser_recommendations_are_johnson_and_johnsons_with_their_reflections(white_paper):
    for rec in Recommendation.objects.filter(consultation=white_paper, source="organiser"):
        assert advocates(rec) == ["johnson-johnson"], rec.reference
        assert rec.rationale, f"{rec.reference} has no rationale from J&J's reflections"


@pytest.mark.django_db
def test_every_source_passage_stands_verbatim_in_the_paper(white_paper):
    paper = PAPER.read_text(encoding="utf-8")
    for item in [
        *Recommendation.objects.filter(consultation=white_paper),
        *Challenge.objects.all(),
    ]:
        assert item.source_passage and item.source_passage in paper, getattr(
            item, "reference", item.code
        )
        assert item.source_section


@pytest.mark.django_db
def test_every_recommendation_answers_a_challenge_of_its_pillar(white_paper):
    for rec in Recommendation.objects.filter(consultation=white_paper).prefetch_related(
        "challenges"
    ):
        codes = [c.pillar_id for c in rec.challenges.all()]
        assert all(pillar_id == rec.pillar_id for pillar_id in codes), rec.reference


@pytest.mark.django_db
def test_seeding_again_changes_nothing(white_paper):
    before = list(Recommendation.objects.values_list("reference", "title", "body", "rationale"))
    call_command("seed_recommendations", verbosity=0)
    assert (
        list(Recommendation.objects.values_list("reference", "title", "body", "rationale"))
        == before
    )
    assert Recommendation.objects.count() == 25
    assert RecommendationVersion.objects.count() == 25


@pytest.mark.django_db
def test_every_page_of_the_consultation_answers(client, white_paper):
    home = client.get(reverse("recommendations:home")).content.decode()
    assert white_paper.title.split(":")[0] in home
    for pillar in white_paper.pillars.all():
        html = client.get(pillar.get_absolute_url()).content.decode()
        for challenge in pillar.challenges.all():
            assert f'id="{challenge.code}"' in html
    for rec in Recommendation.objects.filter(consultation=white_paper):
        html = client.get(rec.get_absolute_url()).content.decode()
        assert rec.reference in html and "Attribution" in html and "Provenance" in html


@pytest.mark.django_db
def test_the_consultation_summary_is_the_executive_summary(white_paper):
    paper = PAPER.read_text().replace("**", "")
    executive_summary = paper[paper.index("Executive Summary") : paper.index("Foreword")]
    paragraphs = white_paper.summary.split("\n\n")
    assert paragraphs[1::2] == ["Key challenges", "Policy recommendations"]
    for paragraph in paragraphs:
        # Each paragraph is the paper's, word for word (the seed file wraps its lines).
        assert paragraph in executive_summary
    assert white_paper.summary.startswith("Belgium’s advanced therapy sector")
    assert paragraphs[-1].endswith("multiannual pharmaceutical framework.")
