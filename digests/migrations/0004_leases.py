"""Digest claims are leases (digests/leases.py): an index for the sweep that finds the
expired ones, and its beat schedule, every minute (editable or disabled in the admin); the
index led by the period goes (digests/models.py says why)."""

import json

from django.db import migrations, models

TZ = "Europe/Brussels"
NAME = "Digests: reclaim expired leases"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone=TZ
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "digests.tasks.reclaim_digests",
            "crontab": crontab,
            "kwargs": json.dumps({}),
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0003_notificationemail_moved"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        # Its use drew the planner into reading all the period's records for each batch.
        migrations.RemoveIndex(model_name="digestrecord", name="digests_dig_frequen_280505_idx"),
        migrations.AddIndex(
            model_name="digestrecord",
            index=models.Index(
                condition=models.Q(("status", "claimed")),
                fields=["claimed_at"],
                name="digest_claims_by_lease",
            ),
        ),
        migrations.RunPython(create_schedule, delete_schedule),
    ]
