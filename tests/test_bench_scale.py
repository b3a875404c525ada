"""`make bench-scale`'s loader at a tiny size: COPY writes consistent rows (threads, one
position per person and recommendation, the heavy share on the first recommendation), and
loading a bigger size adds only the difference. PostgreSQL only (COPY); no timing."""

import pytest
from django.db import connection
from django.db.models import Count

from accounts.models import User
from bench.scale import load as scale
from consultation.models import Comment, ModerationState, Position
from moderation.models import Flag
from recommendations.models import Recommendation

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the scale bench loads with PostgreSQL's COPY"
)


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setitem(scale.SIZES, "S", scale.Size(people=60, positions=600, comments=500))
    monkeypatch.setitem(scale.SIZES, "M", scale.Size(people=90, positions=900, comments=800))
    monkeypatch.setattr(scale, "rebuild_summaries", lambda: "none")


def test_load_writes_the_size_with_consistent_threads(db, tiny):
    result = scale.load("S")

    assert result["added"]["people"] == 60
    assert User.objects.filter(email__endswith="@bench.example.org").count() == 60
    positions = Position.objects.all()
    assert positions.count() == 600
    assert positions.values("recommendation", "author").distinct().count() == 600
    assert not positions.exclude(stance="endorse").filter(reason="").exists()
    comments = {c.pk: c for c in Comment.objects.all()}
    assert len(comments) == 500
    for reply in (c for c in comments.values() if c.parent_id):
        parent = comments[reply.parent_id]
        assert reply.depth == parent.depth + 1 <= 5
        assert reply.root_id == (parent.root_id or parent.pk)
        assert reply.recommendation_id == parent.recommendation_id
        assert reply.created_at >= parent.created_at
    first = Recommendation.objects.order_by("position", "pk").first()
    per_rec = dict(Comment.objects.values_list("recommendation").annotate(n=Count("pk")).order_by())
    assert per_rec[first.pk] == 100  # a fifth
    assert Comment.objects.filter(moderation_state=ModerationState.PUBLISHED).exists()
    assert Flag.objects.filter(resolved_at=None).count() == result["added"]["flags"]
    # The database's own next id is above the copied ones.
    assert User.objects.create(email="after@example.org").pk > max(
        User.objects.exclude(email="after@example.org").values_list("pk", flat=True)
    )


def test_a_bigger_size_adds_only_the_difference(db, tiny):
    scale.load("S")
    result = scale.load("M")

    assert result["added"] == {**result["added"], "people": 30, "positions": 300, "comments": 300}
    assert Position.objects.count() == 900
    assert Comment.objects.count() == 800
    assert scale.load("M")["added"] == {"people": 0, "positions": 0, "comments": 0, "flags": 0}
