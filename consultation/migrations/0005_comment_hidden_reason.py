from django.db import migrations, models


class Migration(migrations.Migration):
    """A hidden comment keeps the category of the reason it was hidden for: its placeholder
    names it (consultation.visibility)."""

    dependencies = [
        ("consultation", "0004_notification_moved"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="hidden_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("spam", "Spam or advertising"),
                    ("offensive", "Offensive or abusive"),
                    ("off_topic", "Off topic"),
                    ("personal_data", "Personal data of someone"),
                    ("undeclared_conflict", "Undeclared conflict of interest"),
                    ("other", "Something else (say what)"),
                ],
                max_length=20,
            ),
        ),
    ]
