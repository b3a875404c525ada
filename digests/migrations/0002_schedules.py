"""The digests' django-celery-beat schedules (editable or disabled in the admin): the daily
digest at 07:00 Europe/Brussels, the weekly one on Monday at 07:00, a catch-up every hour
after that for what a run missed, and the nightly clean-up of old records."""

import json

from django.db import migrations

TZ = "Europe/Brussels"
SCHEDULES = [
    # name, task, kwargs, (minute, hour, day_of_week)
    ("Daily digest", "digests.tasks.fan_out_digests", {"frequency": "daily"}, ("0", "7", "*")),
    ("Weekly digest", "digests.tasks.fan_out_digests", {"frequency": "weekly"}, ("0", "7", "1")),
    ("Digests: catch up", "digests.tasks.catch_up_digests", {}, ("30", "8-23", "*")),
    ("Digests: clean up old records", "digests.tasks.clean_up_digest_records", {}, ("45", "3", "*")),
]


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, kwargs, (minute, hour, day_of_week) in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone=TZ,
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "kwargs": json.dumps(kwargs)}
        )


def delete_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[name for name, *_ in SCHEDULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
