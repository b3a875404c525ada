"""`make bench`'s data generation and query-counting middleware, at a tiny size. No timing."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import data
from consultation.models import Amendment, Comment, Position
from recommendations.models import Recommendation, RecommendationVersion


def test_pages_data_has_the_asked_sizes_and_current_wordings(db):
    made = data.create_pages(pillars=2, challenges=4, recommendations=10)

    recommendations = Recommendation.objects.filter(consultation__slug=made.slug)
    assert recommendations.count() == 10 == len(made.references)
    assert made.counts["challenges"] == 4
    assert made.pillar_codes == ["P1", "P2"]
    for rec in recommendations.prefetch_related("versions", "advocates", "challenges"):
        versions = list(rec.versions.all())  # newest first
        assert [v.number for v in versions] == list(range(len(versions), 0, -1))
        assert (versions[0].title, versions[0].body) == (rec.title, rec.body)
        assert 1 <= len(rec.advocates.all()) <= 3
        assert {c.pillar_id for c in rec.challenges.all()} == {rec.pillar_id}


def test_dialogue_data_is_threaded_consistently(db):
    made = data.create_dialogue(comments=40, positions=12, amendments=3)

    mine = {"recommendation__consultation__slug": made.slug}
    comments = {c.pk: c for c in Comment.objects.filter(**mine)}
    assert len(comments) == 40
    replies = [c for c in comments.values() if c.parent_id]
    assert replies, "some comments are replies"
    for reply in replies:
        parent = comments[reply.parent_id]
        assert reply.depth == parent.depth + 1
        assert reply.root_id == (parent.root_id or parent.pk)
        assert comments[reply.root_id].root_id is None
    assert made.permalink_comment_id in comments
    positions = Position.objects.filter(**mine)
    assert positions.count() == 12
    assert positions.values("author").distinct().count() == 12
    assert Amendment.objects.filter(**mine).count() == 3


def test_middleware_reports_the_requests_query_count(db, client, settings):
    settings.MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
    made = data.create_pages(pillars=1, challenges=1, recommendations=2)
    rec = Recommendation.objects.get(consultation__slug=made.slug, reference=made.references[0])
    assert RecommendationVersion.objects.filter(recommendation=rec).exists()
    url = rec.get_absolute_url()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert int(response["X-Query-Count"]) == len(queries) > 0
    assert float(response["X-Server-Time-Ms"]) > 0
