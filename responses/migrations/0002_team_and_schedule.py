"""The "Consultation team" role (a group with the permission responses.respond), the four
default response statuses of every consultation already there, and the beat schedule that
publishes reviewed responses when their time comes."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TEAM = "Consultation team"
TASK = "responses.tasks.publish_due_responses"
SCHEDULE_NAME = "Responses: publish those due"
DEFAULT_STATUSES = [
    ("adopted", "Adopted"),
    ("adopted-with-changes", "Adopted with changes"),
    ("under-consideration", "Under consideration"),
    ("not-taken-up", "Not taken up"),
]


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("responses")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    team, _ = Group.objects.get_or_create(name=TEAM)
    team.permissions.add(
        Permission.objects.get(content_type__app_label="responses", codename="respond")
    )
    Consultation = apps.get_model("recommendations", "Consultation")
    ResponseStatus = apps.get_model("responses", "ResponseStatus")
    for consultation in Consultation.objects.all():
        for position, (code, label) in enumerate(DEFAULT_STATUSES, start=1):
            ResponseStatus.objects.get_or_create(
                consultation=consultation,
                code=code,
                defaults={"label": label, "position": position},
            )
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SCHEDULE_NAME, defaults={"task": TASK, "interval": every}
    )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=TEAM).delete()
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0001_initial"),
        ("accounts", "0004_stakeholder_groups_and_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
