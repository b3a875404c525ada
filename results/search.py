"""Full-text search across recommendations, amendments and comments.

On PostgreSQL: each table stores its weighted text search vectors, one per language
configuration (`search_english`, `search_dutch`, `search_french`, `search_german`), kept up to
date by a trigger and served by a GIN index each (migrations/0004_stored_search_vectors.py).
The reader's interface language picks the configuration (its stemming and stop words):

* a recommendation: title (weight A), body (B), rationale (C);
* an amendment: its proposed title, text and justification (C);
* a comment: its text (D).

A recommendation's score is its own rank plus the best rank among its amendments plus the best
among its comments (`ts_rank` on the stored vector, whose default weights are A 1.0, B 0.4,
C 0.2, D 0.1): each source counts once, so a recommendation many comments mention does not
drown one whose title matches. The sums, their order and the page's LIMIT are one SQL
statement: only the page's twenty rows reach Python, and only they get their snippets
(`ts_headline`). Amendments and comments are ranked CANDIDATES at most per source: the first
found by the GIN index, so a word in half the comments costs what a rare word costs, and a
rare word is found wherever it is; a recommendation that matches only through comments beyond
the first CANDIDATES matching ones may be missed for a word that common. Pages go by number
(OFFSET) or, following "Next", by keyset: the cursor is the last row's (score, id), so the next
page starts after it whatever was added meanwhile.

Elsewhere (SQLite, the embedded default) a simple fallback: the words as typed, matched
case-insensitively anywhere in the same fields; title matches first, then body or rationale,
then amendments, then comments.

Only published content is searched: amendments and comments in the "published" moderation
state (and not removed), in consultations the person may see (drafts are staff-only).
Snippets are escaped text with the matches in <mark>.
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from consultation.models import Amendment, Comment
from core.paging import counted_page, page_number
from recommendations.models import Recommendation
from recommendations.selectors import consultation_list_visible

from .selectors import published_amendments, published_comments

# The interface's languages and their PostgreSQL text search configurations: one stored vector
# each (the migration's CONFIGS).
CONFIGS = {"en": "english", "nl": "dutch", "fr": "french", "de": "german"}
PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
# Amendments and comments ranked at most per search and source: the first found (`_candidates`)
CANDIDATES = 1_000
SNIPPET_CONTEXT = 90  # characters either side of the first match, for the fallback
# ts_headline marks matches with these (private-use characters no text here holds); the text is
# escaped first, then they become <mark> and </mark>.
START, STOP = "\ue000", "\ue001"


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
    cursor: str | None = None  # the keyset cursor of the page that follows this hit


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


def search(
    *,
    query: str,
    user,
    page: int | str | None = 1,
    after: str | None = None,
    per_page: int | None = None,
) -> Page:
    """A page of Hits, best first; `page.next_cursor` is the `after` of the next page (keyset,
    PostgreSQL; None in the fallback, which pages by number). Queries: on PostgreSQL at most 4
    (the ranked page with the total and the ids of the best amendment and comment of each,
    then its recommendations, those amendments and those comments with their snippets, the
    last two skipped when the page has none), 6 in the fallback; none for an empty query.
    `per_page` hits a page (PAGE_SIZE, the page's, by default)."""
    per_page = per_page or PAGE_SIZE
    query = clean_query(query)
    if not query:
        return _no_cursor(Paginator([], per_page).get_page(1))
    if connection.vendor == "postgresql":
        return _search_postgres(query, user, page, after, per_page)
    return _no_cursor(_search_fallback(query, user, page, per_page))


def _no_cursor(page: Page) -> Page:
    page.next_cursor = None
    return page


def _ranked_page(scores: dict[int, tuple], page, per_page: int) -> Page:
    ordered = sorted(scores, key=lambda pk: (scores[pk], -pk), reverse=True)
    return Paginator(ordered, per_page).get_page(page)


def _page_recommendations(recommendations, pks: list[int]) -> dict[int, Recommendation]:
    return {
        r.pk: r for r in recommendations.filter(pk__in=pks).select_related("consultation", "pillar")
    }


def _config() -> str:
    """The text search configuration of the reader's language (English by default)."""
    language = (translation.get_language() or "en").split("-")[0]
    return CONFIGS.get(language, CONFIGS["en"])


def _tsquery(config: str, query: str) -> RawSQL:
    return RawSQL("websearch_to_tsquery(%s::regconfig, %s)", [config, query])


def _matching(qs: QuerySet, config: str, query: str) -> tuple[QuerySet, RawSQL]:
    """`qs` narrowed to the rows whose stored vector matches, and their rank as an expression
    (`ts_rank` reads the stored vector: no text is parsed again)."""
    column = f'"{qs.model._meta.db_table}"."search_{config}"'
    match = RawSQL(
        f"{column} @@ websearch_to_tsquery(%s::regconfig, %s)",
        [config, query],
        output_field=BooleanField(),
    )
    rank = RawSQL(
        f"ts_rank({column}, websearch_to_tsquery(%s::regconfig, %s))",
        [config, query],
        output_field=FloatField(),
    )
    return qs.filter(match), rank


def _encode_cursor(score: float, pk: int) -> str:
    return f"{score!r}_{pk}"


def _decode_cursor(after: str | None) -> tuple[float, int] | None:
    try:
        score, pk = (after or "").split("_")
        return float(score), int(pk)
    except ValueError:
        return None


def _candidates(qs: QuerySet, config: str, query: str) -> tuple[str, list]:
    """The best of at most CANDIDATES matching rows of `qs` (amendments or comments) per
    recommendation: (rid, best, id). The matches are bounded before they are ranked: the GIN
    index finds them, the LIMIT stops reading rows at CANDIDATES, so a word in half of all the
    comments costs what a rare one does; a rare word is still found wherever it is."""
    matched, rank = _matching(qs, config, query)
    sql, params = (
        matched.order_by()
        .values(cid=F("pk"), crid=F("recommendation_id"))
        .annotate(rank=rank)[:CANDIDATES]
    ).query.sql_with_params()
    return (
        "SELECT DISTINCT ON (c.crid) c.crid AS rid, c.rank AS best, c.cid AS id"
        f" FROM ({sql}) AS c ORDER BY c.crid, c.rank DESC, c.cid DESC"
    ), list(params)


def _ranked_sql(query: str, config: str, user, cursor, limit: int, offset: int):
    """One statement: each source's best rank per recommendation, summed, ordered and cut in
    the database; with the total number of recommendations found (a window over the sums), and the
    best amendment and comment of each (the page's snippets)."""
    recommendations, amendments, comments = _scope(user)
    matched, rank = _matching(recommendations, config, query)
    own_sql, own_params = (
        matched.order_by().values(rid=F("pk")).annotate(best=Max(rank)).query.sql_with_params()
    )
    amendment_sql, amendment_params = _candidates(amendments, config, query)
    comment_sql, comment_params = _candidates(comments, config, query)
    union = (
        f"SELECT o.rid, o.best, NULL::bigint AS amendment, NULL::bigint AS comment FROM ({own_sql})"
        f" AS o UNION ALL SELECT a.rid, a.best, a.id, NULL FROM ({amendment_sql}) AS a"
        f" UNION ALL SELECT c.rid, c.best, NULL, c.id FROM ({comment_sql}) AS c"
    )
    params = [*own_params, *amendment_params, *comment_params]
    keyset = ""
    if cursor:
        keyset = "WHERE s.score < %s OR (s.score = %s AND s.rid > %s)"
        params += [cursor[0], cursor[0], cursor[1]]
    sql = (
        "SELECT s.rid, s.score, s.total, s.amendment, s.comment FROM ("
        " SELECT g.*, count(*) OVER () AS total FROM ("
        "  SELECT m.rid, SUM(m.best::float8) AS score, MAX(m.amendment) AS amendment,"
        f"  MAX(m.comment) AS comment FROM ({union}) AS m GROUP BY m.rid"
        " ) AS g"
        f") AS s {keyset} ORDER BY s.score DESC, s.rid ASC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as db:
        db.execute(sql, [*params, limit, offset])
        return db.fetchall()


def _search_postgres(query: str, user, page, after: str | None, per_page: int) -> Page:
    config = _config()
    cursor = _decode_cursor(after)
    try:
        number = max(1, int(page))
    except (TypeError, ValueError):
        number = 1
    offset = 0 if cursor else (number - 1) * per_page
    rows = _ranked_sql(query, config, user, cursor, per_page, offset)
    if not rows and (offset or cursor):
        # Past the end (or a stale cursor): the last page, as Paginator.get_page gives it.
        total = _ranked_sql(query, config, user, None, 1, 0)
        total = total[0][2] if total else 0
        number = page_number(number, total, per_page)
        rows = _ranked_sql(query, config, user, None, per_page, (number - 1) * per_page)
        cursor = None
    total = rows[0][2] if rows else 0
    number = page_number(number, total, per_page)
    hits = _hits(query, config, user, rows)
    results = counted_page(hits, number=number, total=total, per_page=per_page)
    results.next_cursor = _encode_cursor(rows[-1][1], rows[-1][0]) if rows else None
    return results


def _hits(query: str, config: str, user, ranked: list[tuple]) -> list[Hit]:
    """The page's Hits from its ranked rows (id, score, total, best amendment, best comment):
    headlines for its recommendations and for the best amendment and comment of each, and
    nothing for the matches not shown."""
    if not ranked:
        return []
    search_query = SearchQuery(query, search_type="websearch", config=config)
    recommendations, amendments, comments = _scope(user)

    def headline(expression, **options):
        return SearchHeadline(
            expression, search_query, config=config, start_sel=START, stop_sel=STOP, **options
        )

    shown = {
        r.pk: r
        for r in recommendations.filter(pk__in=[row[0] for row in ranked])
        .select_related("consultation", "pillar")
        .annotate(
            title_headline=headline("title", highlight_all=True),
            body_headline=headline("body", max_words=40, min_words=15, max_fragments=2),
        )
    }

    def best(qs, column: int):
        return (
            qs.filter(pk__in=[row[column] for row in ranked if row[column]])
            .annotate(headline=headline("body", max_words=30, min_words=10))
            .select_related("recommendation__consultation")
        )

    amendment_snippets = {
        a.recommendation_id: Snippet("amendment", _amendment_url(a), _marks(a.headline))
        for a in best(amendments, 3)
    }
    comment_snippets = {
        c.recommendation_id: Snippet("comment", c.get_absolute_url(), _marks(c.headline))
        for c in best(comments, 4)
    }
    hits = []
    for pk, score, *_best in ranked:
        r = shown[pk]
        matched = [s for s in (amendment_snippets.get(pk), comment_snippets.get(pk)) if s]
        hits.append(
            Hit(
                r,
                _marks(r.title_headline),
                _marks(r.body_headline),
                matched,
                score,
                _encode_cursor(score, pk),
            )
        )
    return hits


def _search_fallback(query: str, user, page, per_page: int | None = None) -> Page:
    per_page = per_page or PAGE_SIZE
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
    results = _ranked_page(scores, page, per_page)
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
