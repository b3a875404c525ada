"""The one rule of who sees which comment, and how: every surface asks it (the pages, the
permalinks, the thread pages, the search, the API's list, detail and search, the results and
their exports, the report, the digests and the notifications).

A comment shows to a viewer in one of three ways (`comment_display`):

* FULL: its text and author. The published, the viewer's own in any state, and every comment
  to a moderator (the page marks those not published).
* PLACEHOLDER: in its place in the thread, "hidden by the moderators" with the category of
  the reason, no text, no author. A hidden comment; and a held back (pending or rejected)
  comment that published replies hang from, so that hiding or rejecting a comment never
  takes its replies with it: they stay where they are, readable and reachable.
* ABSENT: not there at all. A pending or rejected comment without published replies.

The public count (`comment_count`, `public_comments`) is what everyone reads in full: the
published comments not removed by their authors. Every count of comments (the page, the API,
the results and their exports, the report, the digests) is that one.
"""

from django.db.models import (
    BooleanField,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull

from accounts.rules import is_moderator

from .counting import counted_comment_q
from .models import Comment, ModerationState, moderator_exists

FULL, PLACEHOLDER, ABSENT = "full", "placeholder", "absent"
PUBLISHED = Q(moderation_state=ModerationState.PUBLISHED)
HELD_BACK = (ModerationState.PENDING, ModerationState.REJECTED)


def _reads_text(viewer) -> Q | None:
    """Whose text the viewer reads (None: everyone's, a superuser)."""
    if viewer is None or not viewer.is_authenticated:
        return PUBLISHED
    if viewer.is_superuser:
        return None
    return PUBLISHED | Q(author=viewer.pk) | Q(moderator_exists(viewer))


def _has_published_reply() -> IsNull:
    """A published reply's key, or NULL: a scalar subquery, asked only of the rows held back
    (PostgreSQL turns an EXISTS beside an OR into a hash of every published reply, built
    by reading all comments as soon as a page of threads meets one held back)."""
    reply = Comment.objects.filter(PUBLISHED, parent=OuterRef("pk")).order_by().values("pk")[:1]
    return IsNull(Subquery(reply), False)


def visible_comments(viewer, comments: QuerySet[Comment] | None = None) -> QuerySet[Comment]:
    """The comments the viewer sees, in full or as a placeholder, each annotated with
    `text_shown` (True: in full). Answered inside the query: no query of its own."""
    comments = Comment.objects.all() if comments is None else comments
    reads = _reads_text(viewer)
    if reads is None:
        return comments.annotate(text_shown=Value(True, output_field=BooleanField()))
    shown = reads | Q(moderation_state=ModerationState.HIDDEN)
    shown |= Q(moderation_state__in=HELD_BACK) & Q(_has_published_reply())
    return comments.filter(shown).annotate(
        text_shown=Case(When(reads, then=Value(True)), default=Value(False))
    )


def readable_comments(viewer, comments: QuerySet[Comment] | None = None) -> QuerySet[Comment]:
    """The comments the viewer reads in full (what a person's profile lists of them): those
    `visible_comments` marks `text_shown`, without the placeholders."""
    comments = Comment.objects.all() if comments is None else comments
    return comments.visible_to(viewer)


def comment_display(viewer, comment: Comment) -> str:
    """FULL, PLACEHOLDER or ABSENT: how the comment shows to the viewer. Free on a comment
    read through `visible_comments` (its annotation); otherwise asked of the comment itself."""
    shown = getattr(comment, "text_shown", None)
    if shown is None:
        shown = comment.moderation_state == ModerationState.PUBLISHED or (
            viewer is not None
            and viewer.is_authenticated
            and (comment.author_id == viewer.pk or is_moderator(viewer))
        )
        if not shown and comment.moderation_state in HELD_BACK:
            has_reply = comment.replies.filter(PUBLISHED).exists()
            return PLACEHOLDER if has_reply else ABSENT
    if shown:
        return FULL
    return PLACEHOLDER


def public_comments(comments: QuerySet[Comment] | None = None) -> QuerySet[Comment]:
    """The comments everyone reads in full: what every count counts (consultation.counting
    says which, for the summaries too)."""
    comments = Comment.objects.all() if comments is None else comments
    return comments.filter(counted_comment_q())


def comment_count(comments: QuerySet[Comment] | None = None) -> int:
    """The public count of these comments (all of them without an argument)."""
    return public_comments(comments).count()


def comment_count_of(field: str, comments: QuerySet[Comment] | None = None) -> Coalesce:
    """The public count as an annotation: the comments whose `field` is the outer row (a
    subquery, so the outer rows are not multiplied by a join)."""
    counted = (
        public_comments(comments)
        .filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
