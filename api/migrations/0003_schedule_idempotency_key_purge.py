"""The hourly purge of idempotency keys older than 24 hours, as a django-celery-beat schedule
that an administrator can change or disable in the admin."""

from django.db import migrations

TASK = "api.tasks.purge_idempotency_keys"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="17",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Brussels",
    )
    PeriodicTask.objects.get_or_create(
        name="Purge idempotency keys", defaults={"task": TASK, "crontab": crontab}
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_idempotency_key"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
