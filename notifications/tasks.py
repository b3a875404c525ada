"""The notification e-mail's task: takes the notification's id, calls the service. Late
acknowledgement, retries with exponential backoff on the mail server's temporary failures.
Its registered name is the one it had in digests.tasks, so that queued messages still run."""

from celery import shared_task

from . import delivery, mailer, sending

RETRYING = {
    "acks_late": True,
    "autoretry_for": delivery.SEND_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 4,  # with the first run, DIGEST_MAX_ATTEMPTS (5)
}


@shared_task(
    name="digests.tasks.send_notification_email", **RETRYING, soft_time_limit=60, time_limit=90
)
def send_notification_email(notification_id: int) -> str:
    return sending.notification_email_send(notification_id=notification_id)


@shared_task(
    name="notifications.tasks.send_email",
    bind=True,
    acks_late=True,
    max_retries=4,
    soft_time_limit=60,
    time_limit=90,
)
def send_email(self, name: str, pk: int) -> str:
    """One e-mail of outgoing.py's registry: retried with exponential backoff (30 s, 1, 2, 4
    minutes, with jitter) on a temporary failure; recorded as failed after the last."""
    try:
        return mailer.email_send(name=name, pk=pk)
    except Exception as exc:
        if delivery.is_permanent(exc) or self.request.retries >= self.max_retries:
            mailer.email_failed(name=name, pk=pk, exc=exc, attempts=self.request.retries + 1)
            return "failed"
        raise self.retry(exc=exc, countdown=delivery.backoff(self.request.retries)) from exc
