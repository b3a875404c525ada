"""Celery tasks of the digests: each takes ids and simple values, and calls a service.

A run is a fan-out into batches (DIGEST_BATCH_SIZE people each), each a task of its own, so
that any number of workers on any number of machines share it. Late acknowledgement, retries
with exponential backoff on the mail server's temporary failures, and time limits. A batch's
claims are leases (leases.py) that it renews while it runs; a dead worker's claims are handed
to a new batch by reclaim_digests (every minute) once their lease has run out. Each task names
itself: beat's schedules and queued messages find it by that name wherever it lives."""

from datetime import date

from celery import shared_task

from notifications.tasks import RETRYING  # the same retries and backoff as every e-mail

from . import services


@shared_task(
    name="digests.tasks.fan_out_digests", acks_late=True, soft_time_limit=5 * 60, time_limit=6 * 60
)
def fan_out_digests(frequency: str, period_start: str | None = None) -> int:
    """Beat's 07:00 task: queue the period's digests in batches."""
    return services.digest_fan_out(
        frequency=frequency,
        period_start=date.fromisoformat(period_start) if period_start else None,
        run_batch=queue_batch,
    )


@shared_task(
    name="digests.tasks.send_digest_batch", **RETRYING, soft_time_limit=20 * 60, time_limit=22 * 60
)
def send_digest_batch(frequency: str, period_start: str, user_ids: list[int]) -> dict:
    return services.digest_send_batch(
        frequency=frequency, period_start=date.fromisoformat(period_start), user_ids=user_ids
    ).as_dict()


def queue_batch(frequency: str, period_start: str, user_ids: list[int]):
    """How the tasks hand a batch on: to a worker, as a task of its own."""
    return send_digest_batch.delay(frequency, period_start, user_ids)


@shared_task(
    name="digests.tasks.catch_up_digests", acks_late=True, soft_time_limit=5 * 60, time_limit=6 * 60
)
def catch_up_digests() -> dict:
    return services.digest_catch_up(run_batch=queue_batch)


@shared_task(
    name="digests.tasks.clean_up_digest_records",
    acks_late=True,
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
)
def clean_up_digest_records() -> dict:
    return services.digest_records_clean_up()


@shared_task(
    name="digests.tasks.reclaim_digests", acks_late=True, soft_time_limit=2 * 60, time_limit=3 * 60
)
def reclaim_digests() -> int:
    """Beat's every-minute sweep: the claims of dead workers, handed to new batches."""
    return services.digest_reclaim(run_batch=queue_batch)
