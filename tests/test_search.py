"""Search across recommendations, amendments and comments: weighted full-text ranking with
snippets on PostgreSQL (served by GIN expression indexes), the plain fallback elsewhere, and
only published content in consultations the person may see."""

import pytest
from django.db import connection
from django.urls import reverse

from consultation.models import Amendment, Comment, ModerationState
from recommendations.models import Consultation, Recommendation
from results import search as search_module
from results.search import excerpt, search

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="full-text ranking needs PostgreSQL (CI runs the suite on PostgreSQL too)",
)

WORD = "cryopreservation"


@pytest.fixture
def corpus(consultation_factory, pillar_factory, recommendation_factory, make_person):
    """One recommendation per place the word can be, and some where it must not be found."""
    consultation = consultation_factory(slug="demo", title="Plant to patient")
    pillar = pillar_factory(consultation=consultation, code="P1", title="Supply chain")
    author = make_person("author@example.org", display_name="Ann Author")

    def make(reference, title="Plain title", body="Plain body.", rationale="", **kwargs):
        return recommendation_factory(
            pillar=kwargs.get("pillar", pillar),
            reference=reference,
            title=title,
            body=body,
            rationale=rationale,
        )

    made = {
        "comment": make("R-COMMENT"),
        "amendment": make("R-AMENDMENT"),
        "rationale": make("R-RATIONALE", rationale=f"Because {WORD} capacity is scarce."),
        "body": make("R-BODY", body=f"Fund {WORD} centres near every hospital."),
        "title": make("R-TITLE", title=f"Scale up {WORD} of cells"),
        "hidden": make("R-HIDDEN"),
        "none": make("R-NONE", title="Unrelated", body="Nothing here."),
    }
    Comment.objects.create(
        recommendation=made["comment"],
        author=author,
        body=f"We need {WORD} <script>alert(1)</script> too.",
        body_html="x",
    )
    Amendment.objects.create(
        recommendation=made["amendment"],
        author=author,
        base_version=made["amendment"].versions.get(),
        title="Plain title, amended",
        body=f"Plain body, with {WORD}.",
        justification="Clearer.",
    )
    # Not published, or removed: never found.
    Comment.objects.create(
        recommendation=made["hidden"],
        author=author,
        body=f"Pending {WORD}",
        body_html="x",
        moderation_state=ModerationState.PENDING,
    )
    Comment.objects.create(
        recommendation=made["hidden"],
        author=author,
        body=f"Removed {WORD}",
        body_html="x",
        deleted_at="2026-01-01T00:00:00Z",
    )
    Amendment.objects.create(
        recommendation=made["hidden"],
        author=author,
        base_version=made["hidden"].versions.get(),
        title="Hidden",
        body=f"Hidden {WORD}.",
        justification="x",
        moderation_state=ModerationState.HIDDEN,
    )
    draft = consultation_factory(slug="draft", state=Consultation.State.DRAFT)
    made["draft"] = recommendation_factory(
        pillar=pillar_factory(consultation=draft, code="D1"),
        reference="D-R1",
        title=f"Draft {WORD}",
    )
    return made


def references(page) -> list[str]:
    return [hit.recommendation.reference for hit in page]


# -- PostgreSQL ---------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db
def test_ranking_title_then_body_then_rationale_and_amendment_then_comment(
    corpus, django_user_model
):
    from django.contrib.auth.models import AnonymousUser

    page = search(query=WORD, user=AnonymousUser())
    found = references(page)
    assert sorted(found) == sorted(
        ["R-TITLE", "R-BODY", "R-RATIONALE", "R-AMENDMENT", "R-COMMENT"]
    ), "the hidden, pending, removed and draft ones are not found"
    assert found[:2] == ["R-TITLE", "R-BODY"]  # weight A, then B
    assert set(found[2:4]) == {"R-RATIONALE", "R-AMENDMENT"}  # weight C
    assert found[4] == "R-COMMENT"  # weight D
    scores = [hit.score for hit in page]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[1] > scores[4] > 0


@postgres_only
@pytest.mark.django_db
def test_stemming_websearch_syntax_and_snippets(corpus):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    # English stemming: "cells" finds "cells", "centre" finds "centres".
    assert references(search(query="centre", user=anonymous)) == ["R-BODY"]
    # websearch syntax: a phrase, an exclusion; odd input does not fail.
    assert references(search(query=f'"scale up" {WORD}', user=anonymous)) == ["R-TITLE"]
    assert "R-TITLE" not in references(search(query=f"{WORD} -cells", user=anonymous))
    assert references(search(query="& | ! :* ( <", user=anonymous)) == []

    hits = {h.recommendation.reference: h for h in search(query=WORD, user=anonymous)}
    assert str(hits["R-TITLE"].title) == f"Scale up <mark>{WORD}</mark> of cells"
    assert f"<mark>{WORD}</mark>" in hits["R-BODY"].summary
    (snippet,) = hits["R-COMMENT"].matched
    assert snippet.kind == "comment"
    # ts_headline drops what looks like markup; what is left is escaped.
    assert "<script" not in snippet.text and "alert(1)" in snippet.text
    assert f"<mark>{WORD}</mark>" in snippet.text
    (snippet,) = hits["R-AMENDMENT"].matched
    assert snippet.kind == "amendment" and snippet.url.endswith(
        "/amendments/{}/".format(Amendment.objects.get(recommendation=corpus["amendment"]).pk)
    )


@postgres_only
@pytest.mark.django_db
def test_staff_also_find_drafts(corpus, consultation_admin):
    assert "D-R1" in references(search(query=WORD, user=consultation_admin))


@postgres_only
@pytest.mark.django_db
def test_each_table_is_searched_through_the_gin_index_of_its_stored_vector(corpus):
    indexes = {
        Recommendation: "results_recommendation_search_english",
        Amendment: "results_amendment_search_english",
        Comment: "results_comment_search_english",
    }
    # A handful of rows: left to itself the planner reads them all. Without sequential and
    # plain index scans (which could walk another index and filter), the match must come from
    # a bitmap scan, and the only index that can answer `@@` is the stored vector's GIN index.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        for model, index in indexes.items():
            matched, _ = search_module._matching(model.objects.order_by(), "english", WORD)
            plan = matched.explain()
            assert index in plan, plan


@postgres_only
@pytest.mark.django_db
def test_the_stored_vectors_follow_edits_and_the_readers_language(corpus):
    from django.contrib.auth.models import AnonymousUser
    from django.utils import translation

    anonymous = AnonymousUser()
    comment = Comment.objects.get(recommendation=corpus["comment"])
    comment.body = "Les hôpitaux doivent coopérer."
    comment.save(update_fields=["body"])  # the trigger recomputes the vectors
    assert "R-COMMENT" not in references(search(query=WORD, user=anonymous))
    # French stemming for a French reader: "hôpital" finds "hôpitaux"; English does not.
    with translation.override("fr"):
        assert references(search(query="hôpital", user=anonymous)) == ["R-COMMENT"]
    with translation.override("en"):
        assert references(search(query="hôpital", user=anonymous)) == []
    Recommendation.objects.filter(pk=corpus["none"].pk).update(title=f"Now {WORD}")
    assert "R-NONE" in references(search(query=WORD, user=anonymous))


@postgres_only
@pytest.mark.django_db
def test_ranked_and_cut_in_sql_with_numbered_and_keyset_pages(
    corpus, recommendation_factory, django_assert_max_num_queries, monkeypatch
):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    monkeypatch.setattr(search_module, "PAGE_SIZE", 2)
    pillar = corpus["title"].pillar
    for n in range(3):  # the same score: the tie goes to the lower id
        recommendation_factory(pillar=pillar, reference=f"TIE{n}", title=f"Tie {WORD} {n}")
    everything = []
    for number in (1, 2, 3, 4):
        page = search(query=WORD, user=anonymous, page=number)
        assert page.paginator.count == 8 and page.paginator.num_pages == 4
        assert len(page.object_list) == 2  # LIMIT 2 in the ranking statement
        everything += references(page)
    assert len(everything) == len(set(everything)) == 8
    assert everything[-1] == "R-COMMENT"
    tied = [r for r in everything if r.startswith("TIE")]
    assert tied == ["TIE0", "TIE1", "TIE2"]

    # Keyset: following the cursors gives the same sequence, one query for the ranked rows.
    followed, after = [], None
    for number in (1, 2, 3, 4):
        with django_assert_max_num_queries(4):
            # The ranked page with its total and the best amendment and comment of each; its
            # recommendations with their headlines; those amendments; those comments (each
            # skipped when the page has none).
            page = search(query=WORD, user=anonymous, page=number, after=after)
        followed += references(page)
        after = page.next_cursor
        assert page.number == number
    assert followed == everything
    # A rank added before the cursor does not shift the next page.
    first = search(query=WORD, user=anonymous)
    recommendation_factory(pillar=pillar, reference="NEW", title=f"{WORD} {WORD} {WORD}")
    second = search(query=WORD, user=anonymous, page=2, after=first.next_cursor)
    assert references(second) == everything[2:4]
    # Past the end, or a cursor that is not one: a page as get_page gives it.
    assert search(query=WORD, user=anonymous, page=99).number == 5
    assert references(search(query=WORD, user=anonymous, after="zz")) == ["NEW", "R-TITLE"]


# -- The fallback (any database) ----------------------------------------------------------------


@pytest.mark.django_db
def test_fallback_orders_title_matches_first_and_escapes_snippets(corpus):
    from django.contrib.auth.models import AnonymousUser

    page = search_module._search_fallback(WORD.upper(), AnonymousUser(), 1)
    found = references(page)
    assert found[0] == "R-TITLE"
    assert set(found[1:3]) == {"R-BODY", "R-RATIONALE"}
    assert found[3:] == ["R-AMENDMENT", "R-COMMENT"]
    hits = {h.recommendation.reference: h for h in page}
    assert str(hits["R-TITLE"].title) == f"Scale up <mark>{WORD}</mark> of cells"
    assert f"<mark>{WORD}</mark> capacity" in hits["R-RATIONALE"].summary
    (snippet,) = hits["R-COMMENT"].matched
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet.text


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the fallback is for SQLite")
@pytest.mark.django_db
def test_on_sqlite_the_search_page_uses_the_fallback(client, corpus):
    response = client.get(reverse("results:search"), {"q": f"  {WORD}  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "5 recommendations match" in html
    assert html.index("R-TITLE") < html.index("R-BODY") < html.index("R-COMMENT")
    assert "D-R1" not in html and "Pending" not in html
    assert f'value="{WORD}"' in html  # the header's box and the page's keep the query


def test_excerpt_windows_and_escapes():
    text = "a" * 200 + " <b>Cryo</b> & more " + "z" * 200
    snippet = str(excerpt(text, "cryo", context=10))
    assert snippet == "…aaaaaa &lt;b&gt;<mark>Cryo</mark>&lt;/b&gt; &amp; mor…"
    assert str(excerpt("<i>no match</i>", "x")) == "&lt;i&gt;no match&lt;/i&gt;"


@pytest.mark.django_db
def test_search_page_empty_query_and_pages(client, corpus):
    response = client.get(reverse("results:search"))
    assert response.status_code == 200
    assert "match" not in response.content.decode()
    assert client.get(reverse("results:search"), {"q": WORD, "page": "zz"}).status_code == 200


@pytest.mark.parametrize("size", [2, 8])
@pytest.mark.django_db
def test_search_query_count_does_not_grow(
    client, corpus, recommendation_factory, make_person, size, django_assert_num_queries
):
    author = make_person("more@example.org")
    pillar = corpus["title"].pillar
    for n in range(size):
        r = recommendation_factory(pillar=pillar, reference=f"M{n}", title=f"{WORD} {n}")
        Comment.objects.create(recommendation=r, author=author, body=WORD, body_html="x")
    # PostgreSQL: the ranked page with its total (one statement), then the page's
    # recommendations, best amendments and best comments with their snippets. The fallback:
    # matches in recommendations, in amendments, in comments, then the page's three. Then the
    # nav's consultation (kept a minute in the cache, emptied for each test).
    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 7):
        response = client.get(reverse("results:search"), {"q": WORD})
    assert response.content.decode().count('class="card search-hit"') == 5 + size
