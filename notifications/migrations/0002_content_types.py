from django.db import migrations

MOVED = [("consultation", "notification"), ("digests", "notificationemail")]


def rename(apps, schema_editor, moves):
    """The moved models keep their content types (and so their permissions and admin log)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old, new, model in moves:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    rename(apps, schema_editor, [(old, "notifications", model) for old, model in MOVED])


def backwards(apps, schema_editor):
    rename(apps, schema_editor, [("notifications", old, model) for old, model in MOVED])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("consultation", "0004_notification_moved"),
        ("digests", "0003_notificationemail_moved"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
