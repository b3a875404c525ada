"""Celery tasks of the results: they call a service and hold no logic."""

from celery import shared_task

from .models import OpinionRun
from .opinions import services


@shared_task
def refresh_opinion_groups_if_changed():
    """Every minute (beat): the consultations whose positions changed since their last run."""
    runs = services.opinion_groups_refresh(
        trigger=OpinionRun.Trigger.POSITIONS_CHANGED, only_changed=True
    )
    return [run.pk for run in runs]


@shared_task
def refresh_opinion_groups():
    """Every hour (beat): every consultation, changed or not."""
    runs = services.opinion_groups_refresh(trigger=OpinionRun.Trigger.HOURLY, only_changed=False)
    return [run.pk for run in runs]


from .jobs import report_pdf_build  # noqa: E402, F401 - registered with the worker
