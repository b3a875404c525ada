"""The outbox's nightly purge of settled rows older than OUTBOX_RETENTION_DAYS (outbox.py), as
a django-celery-beat schedule an administrator can see and change in the admin, and the index
it reads the oldest rows by."""

from django.db import migrations, models

TASK = "notifications.tasks.purge_outbox"
TZ = "Europe/Brussels"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="15",
        hour="4",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=TZ,
    )
    PeriodicTask.objects.get_or_create(
        name="Outbox: purge old settled rows", defaults={"task": TASK, "crontab": nightly}
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_outbox_cancelled"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="outbox",
            index=models.Index(fields=["created_at"], name="outbox_created_idx"),
        ),
        migrations.RunPython(create_schedule, delete_schedule),
    ]
