import logging
import os
from functools import partial
from pathlib import Path

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.signals import worker_ready
from django.db import transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

logger = logging.getLogger(__name__)


class Task(DjangoTask):
    """Every task of the project. `delay_on_commit` / `apply_async_on_commit` queue the task
    once the transaction commits; if the broker is down then, the failure is logged (with the
    task's name and first argument) and the request that committed still succeeds: the write
    stands (README, "When a service is down", says what waits and what is picked up later)."""

    def delay_on_commit(self, *args, **kwargs) -> None:
        self.apply_async_on_commit(args, kwargs)

    def apply_async_on_commit(self, *args, **kwargs) -> None:
        transaction.on_commit(partial(self._apply_async_or_log, *args, **kwargs))

    def _apply_async_or_log(self, *args, **kwargs) -> None:
        try:
            self.apply_async(*args, **kwargs)
        except OperationalError as exc:  # kombu's: the broker refused or could not be reached
            logger.warning("Broker unavailable, %s%r not queued: %s", self.name, args[:1], exc)


app = Celery("plant_to_patient", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_filesystem_queue(sender, **kwargs):
    # The embedded broker (kombu's filesystem transport) expects its folders to exist.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@worker_ready.connect
def _sweep_outbox_at_start(sender, **kwargs):
    """A worker that starts (after a crash, a deploy, an outage) sends what the outbox holds
    at once, rather than at beat's next minute (README, "Delivery guarantee")."""
    try:
        sender.app.send_task("notifications.tasks.sweep_outbox")
    except OperationalError as exc:
        logger.warning("Broker unavailable, the outbox waits for beat's sweep: %s", exc)
