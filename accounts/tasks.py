from celery import shared_task

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
