"""The opinion groups' django-celery-beat schedules (editable or disabled in the admin): every
minute, a run for the consultations whose positions changed since their last run (so runs
follow changes within a minute, and at most once a minute); every hour, a run of all."""

from django.db import migrations

TZ = "Europe/Brussels"
SCHEDULES = [
    # name, task, minute
    ("Opinion groups: after changes", "results.tasks.refresh_opinion_groups_if_changed", "*"),
    ("Opinion groups: hourly", "results.tasks.refresh_opinion_groups", "17"),
]


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour="*",
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=TZ,
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


def delete_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[name for name, *_ in SCHEDULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0002_opinion_runs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
