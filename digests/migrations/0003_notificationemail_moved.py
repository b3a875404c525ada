from django.db import migrations


class Migration(migrations.Migration):
    """NotificationEmail moved to notifications (its table stays: db_table kept)."""

    dependencies = [
        ("digests", "0002_schedules"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="NotificationEmail")],
            database_operations=[],
        ),
    ]
