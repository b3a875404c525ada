"""Comments and replies: written, edited (the earlier text kept), removed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.markup import render_markdown
from recommendations.models import Recommendation

from .. import notices
from ..models import (
    Amendment,
    Comment,
    CommentRevision,
)
from ..ports import initial_state  # published at once, or awaiting a moderator (moderation)
from ..rules import (
    COMMENT_EDIT_REFUSED,
    COMMENT_REMOVE_REFUSED,
    HIDDEN_NO_REPLIES,
)
from ..visibility import FULL, comment_display
from . import summaries
from .base import COMMENT_MAX_LENGTH, MAX_DEPTH, ContributionRefused, _check_text, _require
from .follows import follow_create


@transaction.atomic
def comment_create(
    *,
    author: User,
    recommendation: Recommendation,
    body: str,
    parent: Comment | None = None,
    amendment: Amendment | None = None,
) -> Comment:
    _require(author, recommendation)
    body = _check_text(body, field="body", max_length=COMMENT_MAX_LENGTH)
    if parent is not None:
        if parent.recommendation_id != recommendation.pk or parent.amendment_id != (
            amendment.pk if amendment else None
        ):
            raise ValidationError({"parent": _("That comment belongs to another discussion.")})
        if parent.deleted_at:
            raise ValidationError({"parent": _("That comment was removed: it takes no replies.")})
        if comment_display(author, parent) != FULL:
            raise ContributionRefused(HIDDEN_NO_REPLIES)
        if parent.depth >= MAX_DEPTH:
            parent = parent.parent  # reply beside it, at the deepest level
    if amendment is not None and amendment.recommendation_id != recommendation.pk:
        raise ValidationError({"amendment": _("That amendment belongs to another recommendation.")})
    comment = Comment.objects.create(
        recommendation=recommendation,
        amendment=amendment,
        parent=parent,
        root=(parent.root or parent) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author=author,
        body=body,
        body_html=render_markdown(body),
        moderation_state=initial_state(author=author, recommendation=recommendation, text=body),
    )
    summaries.added(Comment.objects.filter(pk=comment.pk))
    follow_create(user=author, recommendation=recommendation)
    notices.notify_reply(comment=comment)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, acting_user: User, body: str) -> Comment:
    if not acting_user.has_perm("consultation.change_comment", comment):
        raise ContributionRefused(COMMENT_EDIT_REFUSED)
    _require(acting_user, comment.recommendation)
    body = _check_text(body, field="body", max_length=COMMENT_MAX_LENGTH)
    if body == comment.body:
        return comment
    # Locked, as moderation locks it: the summaries' share is read before and after this
    # write, with no moderator's decision in between.
    Comment.objects.select_for_update().filter(pk=comment.pk).exists()
    CommentRevision.objects.create(
        comment=comment, body=comment.body, created_at=comment.edited_at or comment.created_at
    )
    counted = summaries.snapshot(Comment.objects.filter(pk=comment.pk))
    # The new text meets the consultation's policy as a new one would: a review term, or a
    # comment the moderators had hidden, sends it back to them.
    comment.moderation_state = initial_state(
        author=acting_user,
        recommendation=comment.recommendation,
        text=body,
        previous_state=comment.moderation_state,
        previous_text=comment.body,
    )
    comment.body = body
    comment.body_html = render_markdown(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at", "moderation_state"])
    summaries.apply(counted, summaries.snapshot(Comment.objects.filter(pk=comment.pk)))
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, acting_user: User) -> Comment:
    """The author removes a comment: a tombstone keeps its replies in place."""
    if not acting_user.has_perm("consultation.delete_comment", comment):
        raise ContributionRefused(COMMENT_REMOVE_REFUSED)
    Comment.objects.select_for_update().filter(pk=comment.pk).exists()  # as comment_edit
    CommentRevision.objects.create(comment=comment, body=comment.body)
    with summaries.tracking(Comment.objects.filter(pk=comment.pk)):
        comment.deleted_at = timezone.now()
        comment.body = ""
        comment.body_html = ""
        comment.save(update_fields=["deleted_at", "body", "body_html"])
    return comment
