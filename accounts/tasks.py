from celery import shared_task

from notifications import emails

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


@shared_task(
    name="accounts.tasks.send_account_email",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def send_account_email(
    *, subject: str, body: str, from_email: str, to: list[str], alternatives: list
) -> None:
    """An account e-mail (allauth: verification, password reset, sign-in code), rendered in the
    request by accounts.adapter and handed over whole: its one-time links and codes exist
    nowhere else to reload them from. Retried while the mail server is down."""
    emails.send_rendered(
        subject=subject, body=body, from_email=from_email, to=to, alternatives=alternatives
    )
