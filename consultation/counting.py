"""Which contributions count: the one rule the summaries (consultation.services.summaries),
their rebuild and every read of counts apply. Change what counts here, and nowhere else;
then run `manage.py summaries_rebuild` once."""

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum

from accounts.models import StakeholderGroup

from .models import Amendment, Comment, ModerationState, Position, StanceCount

PUBLISHED = ModerationState.PUBLISHED
# Positions that count as support in the lists' "endorsements".
ENDORSING = (Position.Stance.ENDORSE, Position.Stance.RESERVATIONS)


def counted_position_q() -> Q:
    """Published positions (moderation is of the reason); an erased person's only while
    DELETED_ACCOUNTS_KEEP_POSITIONS (erasure deletes them otherwise)."""
    q = Q(moderation_state=PUBLISHED)
    if not getattr(settings, "DELETED_ACCOUNTS_KEEP_POSITIONS", True):
        q &= Q(author__deleted_at__isnull=True)
    return q


def counted_comment_q() -> Q:
    """Published comments that their authors have not removed."""
    return Q(moderation_state=PUBLISHED, deleted_at=None)


def counted_amendment_q() -> Q:
    return Q(moderation_state=PUBLISHED)


def counted_positions() -> QuerySet[Position]:
    return Position.objects.filter(counted_position_q())


def counted_comments() -> QuerySet[Comment]:
    return Comment.objects.filter(counted_comment_q())


def counted_amendments() -> QuerySet[Amendment]:
    return Amendment.objects.filter(counted_amendment_q())


def stance_counts_by_group(**filters) -> QuerySet[StanceCount]:
    """The summary's counts by recommendation, stakeholder group and stance (all wordings
    together), with the group's name and order (None for no group): for the API's results and
    a recommendation's positions (`position_summary`)."""
    group = StakeholderGroup.objects.filter(pk=OuterRef("group_key"))
    return (
        StanceCount.objects.filter(count__gt=0, **filters)
        .values("recommendation_id", "group_key", "stance")
        .annotate(
            n=Sum("count"),
            group_name=Subquery(group.values("name")),
            group_position=Subquery(group.values("position")),
        )
        .order_by("recommendation_id", "group_position", "group_key")
    )
