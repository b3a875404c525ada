"""The outbox's sweep, every minute, as a django-celery-beat schedule that an administrator can
see (and change) in the admin: it sends what no task took (the broker was down at the commit)
or what a dead worker held."""

from django.db import migrations

TASK = "notifications.tasks.sweep_outbox"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Deliver the outbox", defaults={"task": TASK, "interval": every_minute}
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
