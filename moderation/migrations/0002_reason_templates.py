"""Seed a few reason templates (moderators edit them in the admin afterwards)."""

from django.db import migrations

TEMPLATES = [
    (
        "Spam or advertising",
        "It advertises or repeats without adding to the discussion.",
        ["reject", "hide"],
    ),
    (
        "Personal attack",
        "It attacks a person rather than discussing the recommendation. Keep to the arguments.",
        ["reject", "hide", "warn"],
    ),
    ("Off topic", "It is not about this recommendation or its amendments.", ["reject", "hide"]),
    (
        "Personal data",
        "It discloses personal data about someone (health, contact details or similar).",
        ["reject", "hide"],
    ),
    (
        "Undeclared conflict of interest",
        "It argues for an interest its author has not declared. Update your declaration of interests, then contribute again.",
        ["reject", "hide", "warn"],
    ),
    (
        "Within the rules",
        "Reviewed: it keeps to the terms of participation.",
        ["approve", "restore", "dismiss_flags"],
    ),
    (
        "Repeated breaches",
        "Repeated breaches of the terms of participation after warnings.",
        ["suspend"],
    ),
]


def forwards(apps, schema_editor):
    ReasonTemplate = apps.get_model("moderation", "ReasonTemplate")
    for position, (title, text, actions) in enumerate(TEMPLATES, start=1):
        ReasonTemplate.objects.get_or_create(
            title=title, defaults={"text": text, "actions": actions, "position": position}
        )


def backwards(apps, schema_editor):
    apps.get_model("moderation", "ReasonTemplate").objects.filter(
        title__in=[title for title, _, _ in TEMPLATES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
