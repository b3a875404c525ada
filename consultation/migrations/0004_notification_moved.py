from django.db import migrations


class Migration(migrations.Migration):
    """Notification moved to notifications (its table stays: db_table kept)."""

    dependencies = [
        ("consultation", "0003_moderation_state"),
        ("digests", "0003_notificationemail_moved"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
