"""The consultation's moderation policy: whether a new contribution waits for a moderator
(registered as consultation.ports.initial_state)."""

import re

from accounts.models import User
from accounts.rules import is_moderator
from consultation.models import Amendment, Comment, Position
from recommendations.models import Recommendation

from ..models import (
    ModerationPolicy,
)
from .base import State


def policy_for(recommendation: Recommendation) -> ModerationPolicy:
    """The consultation's policy, or the default one (unsaved) when it has none."""
    policy = ModerationPolicy.objects.filter(consultation_id=recommendation.consultation_id).first()
    return policy or ModerationPolicy(consultation_id=recommendation.consultation_id)


def _matches(text: str, terms: list[str]) -> bool:
    text = text.casefold()
    return any(re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text) for term in terms)


def published_contribution_count(*, author: User, recommendation: Recommendation) -> int:
    """The author's published contributions in this consultation (positions with a reason)."""
    scope = {
        "author": author,
        "recommendation__consultation_id": recommendation.consultation_id,
        "moderation_state": State.PUBLISHED,
    }
    return (
        Comment.objects.filter(**scope).count()
        + Amendment.objects.filter(**scope).count()
        + Position.objects.filter(**scope).exclude(reason="").count()
    )


def initial_state(
    *,
    author: User,
    recommendation: Recommendation,
    text: str,
    previous_state: str | None = None,
    previous_text: str | None = None,
) -> str:
    """Whether a new (or rewritten) contribution is published at once or waits for a
    moderator, by the consultation's policy: a review term in the text holds it in any mode;
    `pre_all` holds everything; `pre_first_n` holds a person's contributions until moderators
    have published `first_n` of them. A text the moderators hid or rejected, rewritten, waits
    again; an unchanged text keeps its state. A contribution without text (a position without
    a reason) has nothing to moderate.
    """
    if not (text or "").strip():
        return State.PUBLISHED
    if previous_state and previous_text == text:
        return previous_state
    if previous_state in (State.HIDDEN, State.REJECTED):
        return State.PENDING
    if is_moderator(author):
        return State.PUBLISHED
    policy = policy_for(recommendation)
    if _matches(text, policy.terms):
        return State.PENDING
    if policy.mode == ModerationPolicy.Mode.PRE_ALL:
        return State.PENDING
    if policy.mode == ModerationPolicy.Mode.PRE_FIRST_N:
        done = published_contribution_count(author=author, recommendation=recommendation)
        if done < policy.first_n:
            return State.PENDING
    return State.PUBLISHED
