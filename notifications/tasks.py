"""The outbox's tasks: `deliver` sends the rows it is given (queued after the commit that wrote
them, or by the sweep); `sweep_outbox` (beat, every minute, and each worker's start: see
config/celery.py) finds the rows whose task never ran or whose worker died. Both take ids and
call outbox.py; the rows, not the broker, hold what is still to send."""

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from . import delivery, outbox

logger = logging.getLogger(__name__)

# Retries and backoff of the e-mails that keep a claim of their own (the digests').
RETRYING = {
    "acks_late": True,
    "autoretry_for": delivery.SEND_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 4,  # with the first run, DIGEST_MAX_ATTEMPTS (5)
}


def queue(ids: list[int], *, countdown: float = 0) -> None:
    """Hand the rows to delivery tasks, in chunks: best effort, since a row not handed over
    (the broker down) is still in the outbox, and the sweep finds it."""
    try:
        for chunk in outbox.chunks(ids):
            deliver.apply_async((chunk,), countdown=countdown)
    except OperationalError as exc:  # kombu's: the broker refused or could not be reached
        logger.warning("Broker unavailable, outbox rows left to the sweep: %s", exc)


@shared_task(name="notifications.tasks.deliver", acks_late=True)
def deliver(outbox_ids: list[int]) -> dict[str, int]:
    done = outbox.outbox_deliver(outbox_ids)
    if done.retry:
        queue(done.retry, countdown=done.countdown)
    return done.outcomes


@shared_task(name="notifications.tasks.sweep_outbox", acks_late=True)
def sweep_outbox() -> int:
    due = outbox.outbox_due()
    queue(due)
    return len(due)


@shared_task(
    name="notifications.tasks.purge_outbox",
    acks_late=True,
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
)
def purge_outbox() -> int:
    """Every night (beat): the settled rows older than OUTBOX_RETENTION_DAYS, forgotten."""
    return outbox.outbox_purge()


# The names tasks had before the outbox, for messages queued before it was deployed.
@shared_task(name="digests.tasks.send_notification_email", acks_late=True)
def send_notification_email(notification_id: int) -> dict[str, int]:
    return deliver(outbox.outbox_add([outbox.entry(outbox.NOTIFICATION, notification_id)]))


@shared_task(name="notifications.tasks.send_email", acks_late=True)
def send_email(name: str, pk: int) -> dict[str, int]:
    return deliver(outbox.outbox_add([outbox.entry(name, pk)]))
