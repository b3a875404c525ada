"""Celery tasks of responses: each calls a service and holds no logic."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, soft_time_limit=5 * 60, time_limit=6 * 60)
def publish_due_responses() -> int:
    """Beat's task, every five minutes: publish the reviewed responses whose time has come."""
    return services.responses_publish_due()
