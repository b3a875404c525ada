"""An import is not a sync: what the consultation became after its import stays, a re-import
of the same file changes nothing, and a changed source text is shown, then applied only when
asked (as a new version credited to the import), never over a rewording made here since."""

import io

import pytest
from django.core.management import call_command

from consultation import services as dialogue
from consultation.models import Amendment, Comment, Position
from moderation.models import ModerationAction
from moderation.services import content_decide
from recommendations.models import (
    Consultation,
    Recommendation,
    RecommendationVersion,
    SeedImport,
)
from recommendations.seeding import CANONICAL_SEED
from recommendations.services import recommendation_reword


def seed(*args, **options) -> str:
    out = io.StringIO()
    call_command("seed_recommendations", *map(str, args), stdout=out, **options)
    return out.getvalue()


def snapshot():
    return (
        list(Consultation.objects.values_list("slug", "state", "opens_at", "closes_at")),
        list(Recommendation.objects.values_list("reference", "title", "body", "updated_at")),
        list(RecommendationVersion.objects.values_list("recommendation_id", "number", "title")),
        list(Amendment.objects.values_list("pk", "status")),
        list(Comment.objects.values_list("pk", "moderation_state")),
        SeedImport.objects.count(),
    )


@pytest.fixture
def lived_in(white_paper, consultation_admin, stakeholder, moderator):
    """The consultation as weeks of use leave it: reworded, amended, a comment hidden, closed."""
    p1_r1 = Recommendation.objects.get(reference="P1-R1")
    recommendation_reword(
        recommendation=p1_r1,
        acting_user=consultation_admin,
        title=p1_r1.title,
        body="Accelerate operational launch by simplifying regulations.",
        reason="Clearer",
    )
    p2_r1 = Recommendation.objects.get(reference="P2-R1")
    dialogue.position_take(author=stakeholder, recommendation=p2_r1, stance="endorse")
    amendment = dialogue.amendment_propose(
        author=stakeholder,
        recommendation=p2_r1,
        title="Harmonize, simplify and publish regulatory procedures",
        body="Avoid duplication and publish the timelines.",
        justification="Predictability.",
    )
    dialogue.amendment_accept(amendment=amendment, acting_user=consultation_admin, reason="Yes")
    comment = dialogue.comment_create(
        author=stakeholder, recommendation=p1_r1, body="Too slow, and the regulator knows it."
    )
    content_decide(
        acting_user=moderator,
        content=comment,
        action=ModerationAction.Action.HIDE,
        reason="Off topic",
        expected_state=comment.moderation_state,
    )
    p3_r1 = Recommendation.objects.get(reference="P3-R1")
    dialogue.position_take(author=stakeholder, recommendation=p3_r1, stance="endorse")
    Consultation.objects.filter(pk=white_paper.pk).update(state=Consultation.State.CLOSED)
    return white_paper


@pytest.mark.django_db
def test_reimporting_the_same_file_leaves_everything_and_says_unchanged(lived_in):
    before = snapshot()
    out = seed()
    assert snapshot() == before
    assert "recommendations: 25 unchanged" in out
    assert "challenges: 11 unchanged" in out and "consultations: 1 unchanged" in out
    assert "created" not in out and "changed" not in out.replace("unchanged", "")
    assert Consultation.objects.get().state == Consultation.State.CLOSED
    assert Comment.objects.get().moderation_state != "published"


@pytest.mark.django_db
def test_a_changed_source_text_is_shown_then_applied_as_a_version_of_the_import(lived_in, tmp_path):
    text = CANONICAL_SEED.read_text(encoding="utf-8")
    edited = tmp_path / "edited.yaml"
    old = "Adopt an integrated strategy for patient access: align ambitions"
    assert old in text
    edited.write_text(text.replace(old, old.replace("align", "align all")), encoding="utf-8")
    p3_r1 = Recommendation.objects.get(reference="P3-R1")
    before = snapshot()

    out = seed(edited, dry_run=True)
    assert snapshot() == before
    assert "recommendation P3-R1 differs" in out
    assert "-Adopt an integrated strategy for patient access: align ambitions" in out
    assert "+Adopt an integrated strategy for patient access: align all ambitions" in out
    assert "recommendations: 1 changed in the file (not applied), 24 unchanged" in out

    out = seed(edited)  # without the flag: reported, not applied
    assert snapshot() == before
    assert "--apply-source-changes" in out

    seed(edited, apply_source_changes=True)
    p3_r1.refresh_from_db()
    assert "align all ambitions" in p3_r1.body
    version = p3_r1.versions.first()
    assert (version.number, version.author, version.seed_import.file_name) == (
        2,
        None,
        "edited.yaml",
    )
    assert "source's text changed" in version.reason
    # As any rewording: the position on the old wording is now on an earlier version.
    position = Position.objects.get(recommendation=p3_r1)
    assert position.version.number == 1
    assert Consultation.objects.get().state == Consultation.State.CLOSED
    assert "recommendations: 25 unchanged" in seed(edited)


@pytest.mark.django_db
def test_a_rewording_made_here_is_never_overwritten_unless_forced(lived_in, tmp_path):
    text = CANONICAL_SEED.read_text(encoding="utf-8")
    edited = tmp_path / "edited.yaml"
    old = "Accelerate operational launch: by simplifying regulations"
    edited.write_text(text.replace(old, old + " further"), encoding="utf-8")

    out = seed(edited, apply_source_changes=True)
    p1_r1 = Recommendation.objects.get(reference="P1-R1")
    assert p1_r1.body == "Accelerate operational launch by simplifying regulations."
    assert "recommendation P1-R1 kept" in out and "--force P1-R1" in out

    seed(edited, apply_source_changes=True, force=["P1-R1"])
    p1_r1.refresh_from_db()
    assert "simplifying regulations further" in p1_r1.body
    assert [v.number for v in p1_r1.versions.all()] == [3, 2, 1]


@pytest.mark.django_db
def test_records_missing_from_the_file_are_reported_never_deleted(white_paper, tmp_path):
    text = CANONICAL_SEED.read_text(encoding="utf-8")
    start = text.index("- reference: P3-R7")
    shorter = tmp_path / "shorter.yaml"
    shorter.write_text(text[:start], encoding="utf-8")
    out = seed(shorter)
    assert "missing from the file (kept, never deleted): recommendations P3-R7" in out
    assert Recommendation.objects.filter(reference="P3-R7").exists()
