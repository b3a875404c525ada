"""Seed the stakeholder groups (admin-editable afterwards) and the role groups with their
model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAKEHOLDER_GROUPS = [
    ("industry-pharma", "Industry (pharma)"),
    ("industry-biotech", "Industry (biotech/SME)"),
    ("academia", "Academia and research"),
    ("hospital", "Hospital and healthcare professionals"),
    ("patient-organisation", "Patient organisation"),
    ("payer", "Payer or insurer"),
    ("government", "Government or regulator"),
    ("policymaker", "Policymaker"),
    ("citizen", "Citizen or other"),
]

# Consultation admins run consultations in the admin: they load and edit their content,
# invite people and verify affiliations. Moderators' permissions come with moderation.
ADMIN_PERMISSIONS = [
    ("recommendations", ["consultation", "pillar", "challenge", "recommendation", "advocate",
                         "recommendationadvocate", "challengeadvocate"], ["add", "change", "view"]),
    ("recommendations", ["recommendationversion"], ["view"]),
    ("accounts", ["user", "stakeholdergroup"], ["view", "change"]),
    ("accounts", ["consent"], ["view"]),
]


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now to assign them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    StakeholderGroup = apps.get_model("accounts", "StakeholderGroup")
    for position, (slug, name) in enumerate(STAKEHOLDER_GROUPS, start=1):
        StakeholderGroup.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name="Moderators")
    admins, _ = Group.objects.get_or_create(name="Consultation admins")
    for app_label, models, actions in ADMIN_PERMISSIONS:
        codenames = [f"{action}_{model}" for model in models for action in actions]
        admins.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Moderators", "Consultation admins"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_stakeholder_profile"),
        ("recommendations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
