"""Who may do what in the dialogue. Services ask `refusal(...)` before every write; the HTML
views and the API ask the same permissions to show or hide the actions."""

import rules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.rules import contribution_refusal, is_moderator

# The dialogue's refusals, written once: the services raise them, the pages show them and the
# API answers them (403, in the request's language).
COMMENT_EDIT_REFUSED = gettext_lazy(
    "Only its author can edit this comment while the consultation is open."
)
COMMENT_REMOVE_REFUSED = gettext_lazy(
    "Only its author can remove this comment while the consultation is open."
)
HIDDEN_NO_REPLIES = gettext_lazy("The moderators hid that comment: it takes no new replies.")
AMENDMENT_UPDATE_REFUSED = gettext_lazy("Only its author can update an open or outdated amendment.")
AMENDMENT_WITHDRAW_REFUSED = gettext_lazy(
    "Only its author can withdraw an open or outdated amendment."
)
AMENDMENT_DECIDE_REFUSED = gettext_lazy(
    "This amendment is no longer open, or you may not decide on it."
)


def dialogue_refusal(user, recommendation) -> str | None:
    """Why this person may not contribute to this recommendation now; None when they may."""
    consultation = recommendation.consultation
    if not consultation.is_open:
        return _("This consultation is closed to contributions: its pages are read-only.")
    return contribution_refusal(user)


@rules.predicate
def can_contribute_to(user, recommendation) -> bool:
    return recommendation is not None and dialogue_refusal(user, recommendation) is None


@rules.predicate
def is_comment_author(user, comment) -> bool:
    return comment is not None and user.is_authenticated and comment.author_id == user.pk


@rules.predicate
def comment_is_live(user, comment) -> bool:
    return comment is not None and comment.deleted_at is None


@rules.predicate
def comment_in_open_consultation(user, comment) -> bool:
    return comment is not None and comment.recommendation.consultation.is_open


@rules.predicate
def is_amendment_author(user, amendment) -> bool:
    return amendment is not None and user.is_authenticated and amendment.author_id == user.pk


@rules.predicate
def amendment_is_open(user, amendment) -> bool:
    return amendment is not None and amendment.status == "open"


@rules.predicate
def amendment_is_published(user, amendment) -> bool:
    # A pending or hidden amendment is first approved (or restored) in the moderation queue:
    # its wording cannot become the recommendation's while most readers cannot see it.
    return amendment is not None and amendment.moderation_state == "published"


@rules.predicate
def amendment_is_updatable(user, amendment) -> bool:
    return amendment is not None and amendment.status in ("open", "outdated")


@rules.predicate
def amendment_in_open_consultation(user, amendment) -> bool:
    return amendment is not None and amendment.recommendation.consultation.is_open


rules.add_perm("consultation.contribute", can_contribute_to)
rules.add_perm(
    "consultation.change_comment",
    is_comment_author & comment_is_live & comment_in_open_consultation,
)
rules.add_perm(
    "consultation.delete_comment",
    is_comment_author & comment_is_live & comment_in_open_consultation,
)
rules.add_perm("consultation.view_comment_revisions", is_moderator)
rules.add_perm(
    "consultation.decide_amendment",
    is_moderator & amendment_is_open & amendment_is_published & amendment_in_open_consultation,
)
rules.add_perm(
    "consultation.withdraw_amendment",
    is_amendment_author & amendment_is_updatable & amendment_in_open_consultation,
)
rules.add_perm(
    "consultation.update_amendment",
    is_amendment_author & amendment_is_updatable & amendment_in_open_consultation,
)
