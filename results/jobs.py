"""The results' Celery task that a view queues (the inside layers keep views and tasks
apart: this module is neither; results.tasks imports it so that the worker registers it).
It takes a primary key, calls the service and holds no logic."""

from celery import shared_task

from . import services


@shared_task
def report_pdf_build(export_id: int) -> str:
    export = services.report_export_build(export_id=export_id)
    return export.status if export is not None else "gone"
