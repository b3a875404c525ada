"""Following a recommendation (its activity reaches the digest)."""

from accounts.models import User
from recommendations.models import Recommendation

from ..models import (
    Follow,
)


def follow_create(*, user: User, recommendation: Recommendation) -> Follow:
    follow, _created = Follow.objects.get_or_create(user=user, recommendation=recommendation)
    return follow


def follow_delete(*, user: User, recommendation: Recommendation) -> None:
    Follow.objects.filter(user=user, recommendation=recommendation).delete()
