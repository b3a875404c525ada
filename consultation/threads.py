"""Reads of comment threads: a page of threads, one whole thread (the permalink), the page a
thread is on, and the replies of a thread beyond those a page shows. Who sees which comment,
and how, is consultation.visibility's rule; each read here costs a fixed number of queries
however many comments and replies there are.

A page of threads shows at most REPLIES_PER_THREAD replies of each thread (the first, in
reading order: the page's size stays the same however long its threads); `.more_replies` on the
thread says how many follow, which "show more replies" reads (`thread_replies_after`),
REPLIES_PER_BATCH at a time, keyset-paged on (created_at, pk): never an OFFSET, so the
thousandth reply costs what the first does.
"""

from collections import defaultdict

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from recommendations.models import Recommendation

from .models import Amendment, Comment
from .visibility import comment_count_of, visible_comments

THREADS_PER_PAGE = 20
REPLIES_PER_THREAD = 3  # on a page of threads
REPLIES_PER_BATCH = 20  # each "show more replies"
COMMENT_ORDERS = {
    "oldest": ("created_at", "pk"),
    "newest": ("-created_at", "-pk"),
    "most-replied": ("-reply_count", "created_at", "pk"),
}
COMMENT_ORDER_LABELS = {
    "oldest": _("Oldest"),
    "newest": _("Newest"),
    "most-replied": _("Most replied"),
}
AUTHOR_FIELDS = ("author", "author__stakeholder_group")


def _top_level(recommendation: Recommendation, amendment: Amendment | None) -> QuerySet[Comment]:
    return Comment.objects.filter(recommendation=recommendation, amendment=amendment, root=None)


def _nest(roots: list[Comment], replies, recommendation: Recommendation) -> list[Comment]:
    """Give each comment its `.children` (replies oldest first) and the recommendation the
    caller loaded (the rules and the permalinks read it: no query per comment)."""
    children = defaultdict(list)
    replies = list(replies)
    for reply in replies:
        children[reply.parent_id].append(reply)
    for comment in [*roots, *replies]:
        comment.children = children.get(comment.pk, [])
        comment.recommendation = recommendation
    return [*roots, *replies]


def _published_reply_count():
    """A thread's replies everyone reads (the public count), as a subquery: unlike a join
    with GROUP BY over the page's wide rows, PostgreSQL computes it for the 20 threads shown
    (in the oldest and newest orders), and the paginator's count leaves it out."""
    return comment_count_of("root")


def _first_replies(roots: list[Comment], viewer, limit: int) -> list[Comment]:
    """The first `limit` replies the viewer sees of each thread, in reading order, each
    with `.in_thread` (how many the viewer sees in its thread): one query, window functions.
    The first replies of a thread hold their parents (a parent is older than its reply)."""
    ordered = (F("created_at").asc(), F("pk").asc())
    replies = (
        visible_comments(viewer, Comment.objects.filter(root__in=roots))
        .select_related(*AUTHOR_FIELDS)
        .annotate(
            place=Window(RowNumber(), partition_by=F("root_id"), order_by=ordered),
            in_thread=Window(Count("pk"), partition_by=F("root_id")),
        )
        .filter(place__lte=limit)
        .order_by("created_at", "pk")
    )
    return list(replies)


def _mark_more(roots: list[Comment], replies: list[Comment]) -> None:
    """`.more_replies` (how many replies follow those shown) and `.last_reply` (the cursor
    of "show more") on each thread."""
    last = {}
    for reply in replies:
        last[reply.root_id] = reply
    for root in roots:
        shown = last.get(root.pk)
        root.last_reply = shown
        root.more_replies = 0
        if shown is not None:
            root.more_replies = shown.in_thread - shown.place


def _after(top: QuerySet[Comment], order: str, cursor: int) -> Q:
    """The threads after thread `cursor` in this order (keyset: its key read by subqueries in
    the page's own query, no OFFSET; nothing when it is not one of `top`)."""
    of_cursor = top.filter(pk=cursor)
    at = Subquery(of_cursor.values("created_at")[:1])
    if order == "newest":
        return Q(created_at__lt=at) | Q(created_at=at, pk__lt=cursor)
    later = Q(created_at__gt=at) | Q(created_at=at, pk__gt=cursor)
    if order == "most-replied":
        count = Subquery(of_cursor.values("reply_count")[:1])
        return Q(reply_count__lt=count) | (Q(reply_count=count) & later)
    return later


def comment_thread_page(
    *,
    recommendation: Recommendation,
    amendment: Amendment | None = None,
    order: str = "oldest",
    page: int | str | None = 1,
    viewer=None,
    replies_per_thread: int | None = REPLIES_PER_THREAD,
    after: int | str | None = None,
    per_page: int = THREADS_PER_PAGE,
) -> Page:
    """A page of threads: top-level comments, each with `.children` (nested replies, oldest
    first, at most `replies_per_thread` of them; None: all), `.more_replies` and
    `.reply_count`. Three queries: the count, the page, and its replies.

    `after` (a thread's pk, given with the `page` it leads to) reads the page as the threads
    after that one, keyset-paged: no OFFSET however deep the page ("Next threads" gives it);
    without it, the page by its number. `.next_after` on the page is the cursor of the next.

    `.has_history` on the page says whether any comment shown was edited or removed (only
    then is it worth asking whether the viewer may read earlier texts)."""
    order = order if order in COMMENT_ORDERS else "oldest"
    top = (
        visible_comments(viewer, _top_level(recommendation, amendment))
        .select_related(*AUTHOR_FIELDS)
        .annotate(reply_count=_published_reply_count())
        .order_by(*COMMENT_ORDERS[order])
    )
    paginator = Paginator(top, per_page)
    cursor = int(after) if str(after or "").isdigit() and str(page or "").isdigit() else None
    if cursor is not None and 1 < int(page) <= paginator.num_pages:
        rows = list(top.filter(_after(top.order_by(), order, cursor))[:per_page])
        # A cursor that is no thread here (removed, or typed) finds nothing: the page by number.
        threads = Page(rows, int(page), paginator) if rows else paginator.get_page(page)
    else:
        threads = paginator.get_page(page)
    roots = list(threads.object_list)
    threads.next_after = roots[-1].pk if roots and threads.has_next() else None
    if not roots:
        replies = []
    elif replies_per_thread is None:
        replies = list(
            visible_comments(viewer, Comment.objects.filter(root__in=roots))
            .select_related(*AUTHOR_FIELDS)
            .order_by("created_at", "pk")
        )
    else:
        replies = _first_replies(roots, viewer, replies_per_thread)
        _mark_more(roots, replies)
    shown = _nest(roots, replies, recommendation)
    threads.object_list = roots
    threads.has_history = any(c.edited_at or c.deleted_at for c in shown)
    return threads


def thread_replies_after(
    *, root: Comment, after: Comment | None, viewer, limit: int = REPLIES_PER_BATCH
) -> tuple[list[Comment], int]:
    """The next `limit` replies of the thread the viewer sees after `after` (from the first
    without it), in reading order, and how many follow them. Two queries, keyset-paged:
    (created_at, pk) after the cursor, no OFFSET."""
    replies = visible_comments(viewer, Comment.objects.filter(root=root))
    if after is not None:
        replies = replies.filter(
            Q(created_at__gt=after.created_at) | Q(created_at=after.created_at, pk__gt=after.pk)
        )
    batch = list(replies.select_related(*AUTHOR_FIELDS).order_by("created_at", "pk")[:limit])
    rest = 0
    if len(batch) == limit:
        last = batch[-1]
        rest = replies.filter(
            Q(created_at__gt=last.created_at) | Q(created_at=last.created_at, pk__gt=last.pk)
        ).count()
    for reply in batch:
        reply.children = []
        reply.recommendation = root.recommendation
    return batch, rest


def comment_thread_of(
    *, comment: Comment, recommendation: Recommendation | None = None, viewer=None
) -> Comment:
    """The whole thread a comment is in, for its permalink page: the root with `.children`.
    Two queries (the root, and its replies) however long the thread. 404 if the viewer may
    not see the thread's first comment (consultation.visibility: a hidden one shows as a
    placeholder, its replies in full)."""
    recommendation = recommendation or comment.recommendation
    root = (
        visible_comments(viewer)
        .select_related(*AUTHOR_FIELDS)
        .filter(pk=comment.root_id or comment.pk)
        .first()
    )
    if root is None:
        raise Http404("No such comment.")
    replies = (
        visible_comments(viewer, Comment.objects.filter(root=root))
        .select_related(*AUTHOR_FIELDS)
        .order_by("created_at", "pk")
    )
    _nest([root], replies, recommendation)
    return root


def comment_thread_page_number(*, comment: Comment, order: str = "oldest", viewer=None) -> int:
    """The page of threads (in this order) that shows the comment's thread."""
    top = visible_comments(viewer, _top_level(comment.recommendation_id, comment.amendment_id))
    root = Comment.objects.annotate(reply_count=_published_reply_count())
    root = root.get(pk=comment.root_id or comment.pk)
    older = Q(created_at__lt=root.created_at) | Q(created_at=root.created_at, pk__lt=root.pk)
    if order == "newest":
        newer = Q(created_at__gt=root.created_at) | Q(created_at=root.created_at, pk__gt=root.pk)
        before = top.filter(newer).count()
    elif order == "most-replied":
        before = (
            top.annotate(reply_count=_published_reply_count())
            .filter(Q(reply_count__gt=root.reply_count) | Q(older, reply_count=root.reply_count))
            .count()
        )
    else:
        before = top.filter(older).count()
    return before // THREADS_PER_PAGE + 1
