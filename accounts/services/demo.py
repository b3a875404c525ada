"""The demo accounts (`manage.py create_demo_users`)."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from ..models import StakeholderGroup, User
from ..rules import CONSULTATION_ADMINS, MODERATORS

DEMO_PASSWORD = "plant-to-patient-demo"
# A fixed TOTP secret for the demo moderator and admin only (DEBUG): `manage.py demo_totp_code`
# prints the current code, so a person trying the platform can pass two-factor authentication.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _demo_user(email: str, password: str, **fields) -> User:
    user, _ = User.objects.update_or_create(email=email, defaults=fields)
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _demo_totp(user: User) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


@transaction.atomic
def demo_users_ensure() -> list[tuple[str, str, str]]:
    """Create (or reset) the demo accounts; returns (role, e-mail, password) rows."""
    now = timezone.now()
    rows = []
    profile = {"interests": "None (demo account).", "interests_declared_at": now}
    admin = _demo_user(
        "admin@example.org",
        DEMO_PASSWORD,
        display_name="Demo administrator",
        organisation="Consultation secretariat",
        is_staff=True,
        is_superuser=True,
        **profile,
    )
    admin.groups.add(Group.objects.get(name=CONSULTATION_ADMINS))
    _demo_totp(admin)
    rows.append(("consultation admin", admin.email, DEMO_PASSWORD))
    moderator = _demo_user(
        "moderator@example.org",
        DEMO_PASSWORD,
        display_name="Demo moderator",
        organisation="Consultation secretariat",
        is_staff=True,
        **profile,
    )
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    _demo_totp(moderator)
    rows.append(("moderator", moderator.email, DEMO_PASSWORD))
    for group in StakeholderGroup.objects.all():
        person = _demo_user(
            f"{group.slug}@example.org",
            DEMO_PASSWORD,
            display_name=f"Demo {group.name.lower()}",
            organisation=f"Demo organisation ({group.name})",
            stakeholder_group=group,
            **profile,
        )
        rows.append((f"stakeholder: {group.name}", person.email, DEMO_PASSWORD))
    return rows
