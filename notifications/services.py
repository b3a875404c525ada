"""Immediate notifications: the on-site row, and an e-mail queued when the transaction
commits for those who want one (the person's notify_* preferences).

Every app's notices.py writes its texts and calls `notify_many` (or `notify`); the e-mail
task calls `notification_email_send`, which claims it as a digest is claimed (sent once).
The nav's unread count is kept in the cache (no query per page): set at login and when the
list is read, raised when a notification is created.
"""

from collections.abc import Sequence
from contextlib import suppress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .mailer import BUILDERS
from .models import Notification
from .sending import PREFERENCE
from .tasks import send_email, send_notification_email

UNREAD_TIMEOUT = 24 * 60 * 60


def _unread_key(user_id: int) -> str:
    return f"digests:unread:{user_id}"


def unread_count(user) -> int:
    """The person's unread notifications: from the cache, or one query (then cached)."""
    count = cache.get(_unread_key(user.pk))
    if count is None:
        count = unread_refresh(user)
    return count


def unread_refresh(user) -> int:
    count = Notification.objects.filter(user=user, read_at=None).count()
    cache.set(_unread_key(user.pk), count, UNREAD_TIMEOUT)
    return count


def _unread_raise(user_ids: Sequence[int]) -> None:
    for user_id in user_ids:
        with suppress(ValueError):  # not cached: the next page counts
            cache.incr(_unread_key(user_id))


def notify_many(notifications: Sequence[Notification], *, email: bool = True) -> list[Notification]:
    """Create the rows (one query) and, on commit, queue an e-mail for each person whose
    preference asks for it (one query per kind). `email=False`: the caller sends its own
    e-mail (moderation's decision)."""
    created = Notification.objects.bulk_create(notifications)
    wanted: list[int] = []
    by_kind: dict[str, list[Notification]] = {}
    for n in created if email else ():
        by_kind.setdefault(n.kind, []).append(n)
    for kind, rows in by_kind.items():
        willing = set(
            get_user_model()
            .objects.filter(
                pk__in={n.user_id for n in rows},
                is_active=True,
                deleted_at__isnull=True,
                **{PREFERENCE[kind]: True},
            )
            .values_list("pk", flat=True)
        )
        wanted += [n.pk for n in rows if n.user_id in willing]
    user_ids = [n.user_id for n in created]

    transaction.on_commit(lambda: _unread_raise(user_ids))
    for pk in wanted:
        # Queued after the commit; a broker that is down then is logged, never a 500.
        send_notification_email.delay_on_commit(pk)
    return created


def notify(
    *,
    user_id: int,
    kind: str,
    message: str,
    url: str = "",
    recommendation_id: int | None = None,
    email: bool = True,
) -> Notification:
    return notify_many(
        [
            Notification(
                user_id=user_id,
                kind=kind,
                message=message[:500],
                url=url,
                recommendation_id=recommendation_id,
            )
        ],
        email=email,
    )[0]


def language_of(user_id: int) -> str:
    """The person's language: a notification's text is written in it, once, when it is
    created (the row keeps the text, not what it was made from)."""
    users = get_user_model().objects.filter(pk=user_id)
    language = users.values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def mark_read(*, user, pks: Sequence[int] | None = None) -> int:
    """Mark the person's notifications read (these, or all), and count the unread again."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if pks is not None:
        unread = unread.filter(pk__in=pks)
    marked = unread.update(read_at=timezone.now())
    unread_refresh(user)
    return marked


def email_queue(name: str, pk: int) -> None:
    """Queue the e-mail when the transaction commits (at once outside one)."""
    if name not in BUILDERS:
        raise KeyError(f"No e-mail is registered as {name!r}.")
    # A broker that is down then is logged, never a 500 (config.celery.Task).
    send_email.delay_on_commit(name, pk)
