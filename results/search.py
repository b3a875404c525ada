"""Full-text search across recommendations, amendments and comments.

On PostgreSQL: each table's weighted text search vector is computed at query time and served
by a GIN expression index on the very same expression (migrations/0001_search_indexes.py):

* a recommendation: title (weight A), body (B), rationale (C);
* an amendment: its proposed title, text and justification (C);
* a comment: its text (D).

A recommendation's score is its own rank plus the best rank among its amendments plus the best
among its comments (`ts_rank`, whose default weights are A 1.0, B 0.4, C 0.2, D 0.1): each
source counts once, so a recommendation many comments mention does not drown one whose title
matches. Snippets are `ts_headline`s.

Elsewhere (SQLite, the embedded default) a simple fallback: the words as typed, matched
case-insensitively anywhere in the same fields; title matches first, then body or rationale,
then amendments, then comments.

Only published content is searched: amendments and comments in the "published" moderation
state (and not removed), in consultations the person may see (drafts are staff-only).
Snippets are escaped text with the matches in <mark>.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from consultation.models import Amendment, Comment
from recommendations.models import Recommendation
from recommendations.selectors import consultation_list_visible

from .selectors import published_amendments, published_comments

CONFIG = "english"
PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
SNIPPET_CONTEXT = 90  # characters either side of the first match, for the fallback
# ts_headline marks matches with these (private-use characters no text here holds); the text is
# escaped first, then they become <mark> and </mark>.
START, STOP = "\ue000", "\ue001"


def search_vectors():
    """The weighted vectors, as the GIN expression indexes hold them."""
    from django.contrib.postgres.search import SearchVector

    def vector(*fields):
        combined = None
        for name, weight in fields:
            part = SearchVector(name, weight=weight, config=CONFIG)
            combined = part if combined is None else combined + part
        return combined

    return {
        Recommendation: vector(("title", "A"), ("body", "B"), ("rationale", "C")),
        Amendment: vector(("title", "C"), ("body", "C"), ("justification", "C")),
        Comment: vector(("body", "D")),
    }


@dataclass
class Snippet:
    kind: str  # "amendment" or "comment"
    url: str
    text: SafeString


@dataclass
class Hit:
    recommendation: Recommendation
    title: SafeString
    summary: SafeString
    matched: list[Snippet] = field(default_factory=list)
    score: float = 0.0


def _marks(text: str) -> SafeString:
    """Escaped text with the marker characters turned into <mark> elements."""
    text = escape(text or "")
    return mark_safe(text.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


def excerpt(text: str, query: str, *, context: int = SNIPPET_CONTEXT) -> SafeString:
    """The text around the first case-insensitive match of `query`, escaped, the match in
    <mark>; the start of the text when it does not match."""
    text = text or ""
    at = text.lower().find(query.lower()) if query else -1
    if at < 0:
        short = text[: 2 * context]
        return mark_safe(escape(short) + ("…" if len(text) > len(short) else ""))  # noqa: S308
    start, end = max(0, at - context), min(len(text), at + len(query) + context)
    before, match, after = text[start:at], text[at : at + len(query)], text[at + len(query) : end]
    return mark_safe(  # noqa: S308 - every piece of text is escaped
        ("…" if start else "")
        + escape(before)
        + f"<mark>{escape(match)}</mark>"
        + escape(after)
        + ("…" if end < len(text) else "")
    )


def clean_query(raw: str | None) -> str:
    return re.sub(r"\s+", " ", (raw or "").strip())[:MAX_QUERY_LENGTH]


def _scope(user) -> tuple[QuerySet[Recommendation], QuerySet[Amendment], QuerySet[Comment]]:
    visible = consultation_list_visible(user=user).values("pk")
    return (
        Recommendation.objects.filter(consultation__in=visible),
        published_amendments().filter(recommendation__consultation__in=visible),
        published_comments().filter(recommendation__consultation__in=visible),
    )


def _amendment_url(amendment: Amendment) -> str:
    r = amendment.recommendation
    return reverse("consultation:amendment", args=[r.consultation.slug, r.reference, amendment.pk])


def search(*, query: str, user, page: int | str | None = 1) -> Page:
    """A page of Hits, best first. Queries: on PostgreSQL 6 (the matches in each table, then
    the page's recommendations, amendments and comments with their snippets), 6 in the
    fallback; none for an empty query."""
    query = clean_query(query)
    if not query:
        return Paginator([], PAGE_SIZE).get_page(1)
    if connection.vendor == "postgresql":
        return _search_postgres(query, user, page)
    return _search_fallback(query, user, page)


def _ranked_page(scores: dict[int, tuple], page) -> Page:
    ordered = sorted(scores, key=lambda pk: (scores[pk], -pk), reverse=True)
    return Paginator(ordered, PAGE_SIZE).get_page(page)


def _page_recommendations(recommendations, pks: list[int]) -> dict[int, Recommendation]:
    return {
        r.pk: r for r in recommendations.filter(pk__in=pks).select_related("consultation", "pillar")
    }


def _search_postgres(query: str, user, page) -> Page:
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

    search_query = SearchQuery(query, search_type="websearch", config=CONFIG)
    vectors = search_vectors()
    recommendations, amendments, comments = _scope(user)

    def matches(qs, model, *fields):
        vector = vectors[model]
        return (
            qs.annotate(search=vector)
            .filter(search=search_query)
            .annotate(rank=SearchRank(vector, search_query))
            .values_list(*fields, "rank")
        )

    own = dict(matches(recommendations, Recommendation, "pk"))
    best_amendment: dict[int, tuple[float, int]] = {}
    for pk, recommendation_id, rank in matches(amendments, Amendment, "pk", "recommendation_id"):
        best_amendment[recommendation_id] = max(
            best_amendment.get(recommendation_id, (0, 0)), (rank, pk)
        )
    best_comment: dict[int, tuple[float, int]] = {}
    for pk, recommendation_id, rank in matches(comments, Comment, "pk", "recommendation_id"):
        best_comment[recommendation_id] = max(
            best_comment.get(recommendation_id, (0, 0)), (rank, pk)
        )

    scores = defaultdict(float)
    for pk, rank in own.items():
        scores[pk] += rank
    for best in (best_amendment, best_comment):
        for pk, (rank, _) in best.items():
            scores[pk] += rank
    results = _ranked_page({pk: (score,) for pk, score in scores.items()}, page)
    pks = list(results.object_list)

    def headline(expression, **options):
        return SearchHeadline(
            expression, search_query, config=CONFIG, start_sel=START, stop_sel=STOP, **options
        )

    shown = {
        r.pk: r
        for r in recommendations.filter(pk__in=pks)
        .select_related("consultation", "pillar")
        .annotate(
            title_headline=headline("title", highlight_all=True),
            body_headline=headline("body", max_words=40, min_words=15, max_fragments=2),
        )
    }
    amendment_ids = [best_amendment[pk][1] for pk in pks if pk in best_amendment]
    amendment_snippets = {
        a.recommendation_id: Snippet("amendment", _amendment_url(a), _marks(a.headline))
        for a in Amendment.objects.filter(pk__in=amendment_ids)
        .select_related("recommendation__consultation")
        .annotate(headline=headline("body", max_words=30, min_words=10))
    }
    comment_ids = [best_comment[pk][1] for pk in pks if pk in best_comment]
    comment_snippets = {
        c.recommendation_id: Snippet("comment", c.get_absolute_url(), _marks(c.headline))
        for c in Comment.objects.filter(pk__in=comment_ids)
        .select_related("recommendation__consultation")
        .annotate(headline=headline("body", max_words=30, min_words=10))
    }
    hits = []
    for pk in pks:
        r = shown[pk]
        matched = [s for s in (amendment_snippets.get(pk), comment_snippets.get(pk)) if s]
        hits.append(Hit(r, _marks(r.title_headline), _marks(r.body_headline), matched, scores[pk]))
    results.object_list = hits
    return results


def _search_fallback(query: str, user, page) -> Page:
    recommendations, amendments, comments = _scope(user)
    in_amendment = Q(title__icontains=query) | Q(body__icontains=query)
    in_amendment |= Q(justification__icontains=query)
    own = dict(
        recommendations.filter(
            Q(title__icontains=query) | Q(body__icontains=query) | Q(rationale__icontains=query)
        )
        .annotate(
            where=Case(
                When(title__icontains=query, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .values_list("pk", "where")
    )
    first_amendment = {}
    for pk, recommendation_id in (
        amendments.filter(in_amendment).order_by("-pk").values_list("pk", "recommendation_id")
    ):
        first_amendment.setdefault(recommendation_id, pk)
    first_comment = {}
    for pk, recommendation_id in (
        comments.filter(body__icontains=query).order_by("pk").values_list("pk", "recommendation_id")
    ):
        first_comment.setdefault(recommendation_id, pk)
    # Title match first, then body or rationale, then an amendment, then a comment.
    scores = {
        pk: (own.get(pk, 0), pk in first_amendment, pk in first_comment)
        for pk in {*own, *first_amendment, *first_comment}
    }
    results = _ranked_page(scores, page)
    pks = list(results.object_list)
    shown = _page_recommendations(recommendations, pks)
    amendment_snippets = {}
    for a in Amendment.objects.filter(
        pk__in=[first_amendment[pk] for pk in pks if pk in first_amendment]
    ).select_related("recommendation__consultation"):
        text = next(
            (t for t in (a.body, a.title, a.justification) if query.lower() in t.lower()), a.body
        )
        amendment_snippets[a.recommendation_id] = Snippet(
            "amendment", _amendment_url(a), excerpt(text, query)
        )
    comment_snippets = {
        c.recommendation_id: Snippet("comment", c.get_absolute_url(), excerpt(c.body, query))
        for c in Comment.objects.filter(
            pk__in=[first_comment[pk] for pk in pks if pk in first_comment]
        ).select_related("recommendation__consultation")
    }
    hits = []
    for pk in pks:
        r = shown[pk]
        body = next((t for t in (r.body, r.rationale) if query.lower() in t.lower()), r.body)
        matched = [s for s in (amendment_snippets.get(pk), comment_snippets.get(pk)) if s]
        title = excerpt(r.title, query, context=len(r.title))
        hits.append(Hit(r, title, excerpt(body, query), matched))
    results.object_list = hits
    return results
