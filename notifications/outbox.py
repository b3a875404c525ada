"""The transactional outbox: every e-mail the platform sends is first a row (models.Outbox),
written in the transaction of the change that causes it, so that the change and its notices
are committed together or not at all (README, "Delivery guarantee").

Delivery claims a row (an UPDATE that only one worker wins), sends it and records the outcome.
A row whose task never ran (the broker was down at the commit) or whose worker died while it
held the claim (the lease expired) is found by the sweep: beat runs it every minute, and every
worker once when it starts. The unique key keeps an event from queueing the same message
twice; the claim keeps two workers from sending it twice. What remains: a worker that dies
after the mail server accepted a message and before the row is marked sent sends it again
after the lease, with the same Message-ID (set before the first hand-off).
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import make_msgid

from django.conf import settings
from django.core.mail.utils import DNS_NAME
from django.db.models import F, Q, Subquery
from django.utils import timezone

from . import delivery, emails, mailer, sending
from .models import FailedEmail, NotificationEmail, Outbox

# The name of a notification's e-mail in the outbox, and of a message rendered elsewhere
# (the payload holds it); the others are mailer.BUILDERS' names.
NOTIFICATION = "notification"
RENDERED = "rendered"
# Rows per delivery task: a few, so that a large change's e-mails spread over the workers.
CHUNK = 20
# Rows per DELETE of the purge: short statements, each its own transaction, that hold few locks.
PURGE_BATCH = 1000


def lease() -> timezone.timedelta:
    """How long a claimed row is left to its worker before another may take it over: longer
    than one message can take (the mail server's timeout), so that a live claim is never
    taken; after it, a dead worker's row is sent again."""
    return timezone.timedelta(seconds=getattr(settings, "OUTBOX_LEASE_SECONDS", 5 * 60))


def entry(
    name: str, pk: int, event: str = "", channel: str = Outbox.Channel.EMAIL
) -> tuple[str, int, str]:
    """An outbox entry: what to send, and its delivery key, one per (event, recipient,
    channel). The event is the object, unless one object has several (an invitation sent
    again): then `event` tells them apart."""
    return name, pk, ":".join(filter(None, [name, str(pk), event, channel]))


def outbox_add_rendered(payload: dict) -> int:
    """A message rendered elsewhere (subject, body, from_email, to, alternatives), written
    now (in the caller's transaction, if any); its row's id."""
    key = entry(RENDERED, 0, uuid.uuid4().hex)[2]
    return Outbox.objects.create(name=RENDERED, object_pk=0, key=key, payload=payload).pk


def outbox_add(entries: Iterable[tuple[str, int, str]]) -> list[int]:
    """Write a row per (name, pk, key) in the caller's transaction (two queries, however
    many); a key already there is left alone. The ids of the rows still to send."""
    rows = [Outbox(name=name, object_pk=pk, key=key) for name, pk, key in entries]
    if not rows:
        return []
    Outbox.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Outbox.objects.filter(
            key__in=[r.key for r in rows], status=Outbox.Status.PENDING
        ).values_list("pk", flat=True)
    )


def chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)]


def _claim(pk: int) -> Outbox | None:
    """The row, if this worker wins it: pending (whatever its time: a task's retry may come
    early), or claimed by a worker whose lease has run out."""
    now = timezone.now()
    taken = (
        Outbox.objects.filter(pk=pk)
        .filter(
            Q(status=Outbox.Status.PENDING)
            | Q(status=Outbox.Status.CLAIMED, claimed_at__lt=now - lease())
        )
        .update(status=Outbox.Status.CLAIMED, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not taken:
        return None
    row = Outbox.objects.get(pk=pk)
    if not row.message_id:
        row.message_id = make_msgid(domain=str(DNS_NAME))
        Outbox.objects.filter(pk=pk).update(message_id=row.message_id)
    return row


def _send(row: Outbox) -> str:
    headers = {"Message-ID": row.message_id}
    if row.name == NOTIFICATION:
        return sending.notification_email_send(notification_id=row.object_pk, headers=headers)
    if row.name == RENDERED:
        emails.send_rendered(**row.payload, headers=headers)
        return "sent"
    return mailer.email_send(name=row.name, pk=row.object_pk, headers=headers)


def _failed(row: Outbox, exc: BaseException) -> None:
    """Given up on: the change stands; the admin shows what was not sent, and why."""
    error = delivery.error_text(exc)
    Outbox.objects.filter(pk=row.pk).update(status=Outbox.Status.FAILED, error=error, payload={})
    if row.name == NOTIFICATION:
        sending.notification_email_record(
            notification_id=row.object_pk, status=NotificationEmail.Status.FAILED, error=error
        )
    else:
        FailedEmail.objects.create(
            name=row.name, object_pk=row.object_pk, error=error, attempts=row.attempts
        )


@dataclass
class Delivered:
    outcomes: dict[str, int] = field(default_factory=dict)
    retry: list[int] = field(default_factory=list)  # to try again after `countdown`
    countdown: float = 0


def outbox_deliver(ids: Sequence[int]) -> Delivered:
    """Send each row this worker can claim. A temporary failure puts the row back (pending,
    due after a backoff) for a retry; a permanent one, or the last attempt's, is recorded."""
    done = Delivered()
    for pk in ids:
        row = _claim(pk)
        if row is None:
            outcome = "taken"
        else:
            try:
                outcome = _send(row)
            except Exception as exc:
                if delivery.is_permanent(exc) or row.attempts >= delivery.max_attempts():
                    _failed(row, exc)
                    outcome = "failed"
                else:
                    wait = delivery.backoff(row.attempts - 1)
                    # Unless cancelled meanwhile (its recipient's account deleted).
                    Outbox.objects.filter(pk=pk, status=Outbox.Status.CLAIMED).update(
                        status=Outbox.Status.PENDING,
                        claimed_at=None,
                        available_at=timezone.now() + timezone.timedelta(seconds=wait),
                        error=delivery.error_text(exc),
                    )
                    done.retry.append(pk)
                    done.countdown = max(done.countdown, wait)
                    outcome = "retry"
            else:
                Outbox.objects.filter(pk=pk).update(
                    status=Outbox.Status.SENT if outcome == "sent" else Outbox.Status.SKIPPED,
                    sent_at=timezone.now() if outcome == "sent" else None,
                    error="",
                    payload={},
                )
        done.outcomes[outcome] = done.outcomes.get(outcome, 0) + 1
    return done


def outbox_due(*, limit: int = 1000) -> list[int]:
    """The rows to hand to delivery tasks now: pending and due, or claimed by a worker whose
    lease ran out. Each is due again only after a lease, so that the next sweep does not queue
    it a second time while its task waits in the queue (should that task be lost, it is)."""
    now = timezone.now()
    due = Outbox.objects.filter(
        Q(status=Outbox.Status.PENDING, available_at__lte=now)
        | Q(status=Outbox.Status.CLAIMED, claimed_at__lt=now - lease())
    ).order_by("available_at", "pk")
    ids = list(due.values_list("pk", flat=True)[:limit])
    Outbox.objects.filter(pk__in=ids, status=Outbox.Status.PENDING).update(
        available_at=now + lease()
    )
    return ids


def retention() -> timezone.timedelta:
    return timezone.timedelta(days=getattr(settings, "OUTBOX_RETENTION_DAYS", 30))


def outbox_purge(*, now=None, batch: int = PURGE_BATCH) -> int:
    """Forget the settled rows (sent, skipped, or failed for good: FailedEmail and the
    notification e-mail records keep what the admin needs) written more than
    OUTBOX_RETENTION_DAYS ago, `batch` rows per DELETE (by the index on created_at), so that
    the table stops growing and no statement holds many rows. Pending and claimed rows stay,
    however old. The rows deleted."""
    cutoff = (now or timezone.now()) - retention()
    settled = [Outbox.Status.SENT, Outbox.Status.SKIPPED, Outbox.Status.FAILED]
    old = Outbox.objects.filter(created_at__lt=cutoff, status__in=settled).order_by("created_at")
    deleted = 0
    while True:
        done = Outbox.objects.filter(pk__in=Subquery(old.values("pk")[:batch])).delete()[0]
        deleted += done
        if done < batch:
            return deleted
