from celery import shared_task

from notifications import emails
from notifications.tasks import deliver

from . import services


@shared_task(
    name="accounts.tasks.clear_expired_sessions",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def clear_expired_sessions() -> None:
    services.session_clear_expired()


@shared_task(name="accounts.tasks.send_account_email", acks_late=True)
def send_account_email(outbox_id: int | None = None, **payload) -> dict[str, int] | None:
    """An account e-mail (allauth: verification, password reset, sign-in code), rendered in the
    request by accounts.adapter and written whole to the outbox (its one-time links and codes
    exist nowhere else to reload them from): delivered as every e-mail is, retried while the
    mail server is down, swept if this task is lost."""
    if payload:  # queued before the outbox: the message itself
        emails.send_rendered(**payload)
        return None
    return deliver([outbox_id])
