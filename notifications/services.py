"""Immediate notifications: the on-site row and its e-mail's outbox row, in the caller's
transaction; the e-mail is sent if the person wants it when it is sent (their notify_*
preferences, read by sending.py).

Every app's notices.py writes its texts and calls `notify_many` (or `notify`), and queues the
e-mails it writes itself with `email_queue`: both write outbox rows (outbox.py), handed to a
delivery task after the commit, or found by the sweep if that hand-over fails.
The nav's unread count is kept in the cache (no query per page): set at login and when the
list is read, raised when a notification is created.
"""

from collections.abc import Sequence
from contextlib import suppress
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from . import outbox, tasks
from .mailer import BUILDERS
from .models import Notification

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
    """Create the rows (one query) and their e-mails' outbox rows (two queries), in the
    caller's transaction. `email=False`: the caller sends its own e-mail (moderation's
    decision)."""
    with transaction.atomic(savepoint=False):  # the caller's transaction, if any
        created = Notification.objects.bulk_create(notifications)
        if email:
            _outbox_write([outbox.entry(outbox.NOTIFICATION, n.pk) for n in created])
    user_ids = [n.user_id for n in created]
    transaction.on_commit(lambda: _unread_raise(user_ids))
    return created


def _outbox_write(entries) -> None:
    """The rows, in this transaction; handed to delivery tasks once it commits (a broker that
    is down then is logged, never a 500: the sweep sends them)."""
    ids = outbox.outbox_add(entries)
    if ids:
        transaction.on_commit(partial(tasks.queue, ids))


def notify(
    *,
    user_id: int,
    kind: str,
    message: str,
    url: str = "",
    recommendation_id: int | None = None,
    actor_id: int | None = None,
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
                actor_id=actor_id,
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


def email_queue(name: str, pk: int, *, event: str = "") -> None:
    """Queue the e-mail `name` built from `pk` in the caller's transaction (an outbox row);
    queued once per (name, pk, event)."""
    if name not in BUILDERS:
        raise KeyError(f"No e-mail is registered as {name!r}.")
    with transaction.atomic(savepoint=False):  # the caller's transaction, if any
        _outbox_write([outbox.entry(name, pk, event)])


def email_rendered_queue(payload: dict) -> int:
    """Queue a message rendered elsewhere, whole (allauth's account e-mails): an outbox row,
    written now; the caller hands its id to a task."""
    return outbox.outbox_add_rendered(payload)
