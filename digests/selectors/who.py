"""Who gets a digest for a period: the subscribers still due, in batches."""

from collections.abc import Sequence
from datetime import datetime

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from consultation.models import ModerationState

from ..leases import expired
from ..models import DigestRecord
from ..periods import Period

PUBLISHED = ModerationState.PUBLISHED
MOST_ACTIVE = 5  # discussions listed under “most active this period”
MAX_REPLIES = 10  # replies listed per person (the rest are counted)
MAX_DECISIONS = 10
# Lazy: the digest is built for a batch, then rendered in each reader's language.
UNNAMED = _("Unnamed participant")
NO_GROUP = _("No group given")


def subscribers(*, frequency: str) -> QuerySet[User]:
    """People who want this digest: active, not deleted, with a verified address."""
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return User.objects.filter(
        digest_frequency=frequency, is_active=True, deleted_at__isnull=True
    ).filter(Exists(verified))


def settled_records(*, period: Period, now: datetime | None = None) -> QuerySet[DigestRecord]:
    """Records that no run should touch again: sent, skipped, failed, or under a live lease."""
    return DigestRecord.objects.filter(
        frequency=period.frequency, period_start=period.start_date
    ).exclude(expired(now))


def due_subscriber_ids(
    *, period: Period, after: int = 0, limit: int = 500, user_email: str | None = None
) -> list[int]:
    """The next batch of people (by id, after `after`) whose digest for the period is due:
    subscribers without a settled record. One query."""
    people = subscribers(frequency=period.frequency).filter(pk__gt=after)
    if user_email:
        people = people.filter(email__iexact=user_email)
    settled = settled_records(period=period).filter(user=OuterRef("pk"))
    return list(people.filter(~Exists(settled)).order_by("pk").values_list("pk", flat=True)[:limit])


def batch_people(*, frequency: str, user_ids: Sequence[int]) -> list[User]:
    """The batch's people, reloaded: their preferences may have changed since the fan-out."""
    return list(subscribers(frequency=frequency).filter(pk__in=user_ids).order_by("pk"))
