"""Celery tasks of the digests: each takes ids and simple values, and calls a service.

Late acknowledgement (a worker lost mid-task leaves the message to another), retries with
exponential backoff on the mail server's temporary failures, and time limits; the batch's
hard limit stays below DIGEST_CLAIM_STALE_MINUTES, so a live claim never looks stale."""

from datetime import date

from celery import shared_task

from . import notifications, services

RETRYING = {
    "acks_late": True,
    "autoretry_for": services.SEND_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 4,  # with the first run, DIGEST_MAX_ATTEMPTS (5)
}


@shared_task(acks_late=True, soft_time_limit=5 * 60, time_limit=6 * 60)
def fan_out_digests(frequency: str, period_start: str | None = None) -> int:
    """Beat's 07:00 task: queue the period's digests in batches."""
    return services.digest_fan_out(
        frequency=frequency,
        period_start=date.fromisoformat(period_start) if period_start else None,
    )


@shared_task(**RETRYING, soft_time_limit=20 * 60, time_limit=22 * 60)
def send_digest_batch(frequency: str, period_start: str, user_ids: list[int]) -> dict:
    return services.digest_send_batch(
        frequency=frequency, period_start=date.fromisoformat(period_start), user_ids=user_ids
    ).as_dict()


@shared_task(acks_late=True, soft_time_limit=5 * 60, time_limit=6 * 60)
def catch_up_digests() -> dict:
    return services.digest_catch_up()


@shared_task(acks_late=True, soft_time_limit=10 * 60, time_limit=11 * 60)
def clean_up_digest_records() -> dict:
    return services.digest_records_clean_up()


@shared_task(**RETRYING, soft_time_limit=60, time_limit=90)
def send_notification_email(notification_id: int) -> str:
    return notifications.notification_email_send(notification_id=notification_id)
