"""`make bench`'s data generation, query-counting middleware and digests run through real
Celery workers, at a tiny size. No timing."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import data, digests
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


# serialized_rollback, as the suite's other transactional tests: the data migrations' rows come
# back afterwards (a plain flush would recreate the content types under new ids).
@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_digests_bench_sends_through_real_workers_at_a_tiny_size():
    """bench/digests.py at 20 people: one worker, then two, each on a queue of its own."""
    made = digests.create_data(people=20)
    assert made["subscribers"] == 22 and made["with_activity"] == 20
    results = [digests.run(workers=n, batch_size=4, timeout=240) for n in (1, 2)]
    for n, result in zip((1, 2), results, strict=True):
        assert result["workers"] == n and len(result["worker_peak_rss_mb"]) == n
        assert result["records"] == {"sent": 20, "skipped": 2} and result["emails"] == 20
        assert result["batches"] == 6 and result["queries_per_1000_first_tenth"] > 0
        assert result["workers_cpu_seconds"] > 0 and result["wall_seconds"] > 0
    table = digests.report(results)
    assert "1 worker(s)" in table and "2 worker(s)" in table
    assert "SQL per 1,000 people, first / last 10 %" in table
    assert mail.outbox == []  # the workers' backend counts and drops


def test_the_scale_report_takes_each_pages_median_over_a_sizes_latest_runs(tmp_path, monkeypatch):
    import json

    from bench.scale import __main__ as scale

    monkeypatch.setattr(scale, "OUT", tmp_path)
    for stamp, p50 in (
        ("20261204-100000", 90.0),
        ("20261204-100100", 10.0),
        ("20261204-100200", 12.0),
        ("20261204-100300", 30.0),
    ):
        pages = [{"name": "queue", "p50_ms": p50}, {"name": "list", "p50_ms": None}]
        (tmp_path / f"scale-S-{stamp}.json").write_text(json.dumps({"size": "S", "pages": pages}))

    assert scale.latest("S")["pages"][0]["p50_ms"] == 30.0  # the latest run alone
    three = scale.latest("S", runs=3)  # 10, 12 and 30: the first run (90) is older
    assert [(p["name"], p["p50_ms"], p["runs"]) for p in three["pages"]] == [
        ("queue", 12.0, 3),
        ("list", None, 0),
    ]
    assert scale.latest("M", runs=3) is None
