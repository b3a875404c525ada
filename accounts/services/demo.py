"""The demo accounts (`manage.py create_demo_users`)."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ..models import StakeholderGroup, User
from ..rules import CONSULTATION_ADMINS, MODERATORS

DEMO_ADMIN_EMAIL = "admin@example.org"


def _demo_user(email: str, password: str, **fields) -> User:
    user, _ = User.objects.update_or_create(email=email, defaults=fields)
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _demo_totp(user: User, secret: str) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(user, secret)


def demo_users_exist() -> bool:
    return User.objects.filter(email=DEMO_ADMIN_EMAIL).exists()


@transaction.atomic
def demo_users_ensure(*, password: str, totp_secret: str) -> list[tuple[str, str, str]]:
    """Create (or reset) the demo accounts with this install's password and TOTP secret
    (random, made by the create_demo_users command); returns (role, e-mail, password) rows.
    Never with the production settings (DEMO_USERS_ALLOWED)."""
    if not settings.DEMO_USERS_ALLOWED:
        raise PermissionDenied("Demo logins are never created with the production settings.")
    now = timezone.now()
    rows = []
    profile = {"interests": "None (demo account).", "interests_declared_at": now}
    admin = _demo_user(
        DEMO_ADMIN_EMAIL,
        password,
        display_name="Demo administrator",
        organisation="Consultation secretariat",
        is_staff=True,
        is_superuser=True,
        **profile,
    )
    admin.groups.add(Group.objects.get(name=CONSULTATION_ADMINS))
    _demo_totp(admin, totp_secret)
    rows.append(("consultation admin", admin.email, password))
    moderator = _demo_user(
        "moderator@example.org",
        password,
        display_name="Demo moderator",
        organisation="Consultation secretariat",
        is_staff=True,
        **profile,
    )
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    _demo_totp(moderator, totp_secret)
    rows.append(("moderator", moderator.email, password))
    for group in StakeholderGroup.objects.all():
        person = _demo_user(
            f"{group.slug}@example.org",
            password,
            display_name=f"Demo {group.name.lower()}",
            organisation=f"Demo organisation ({group.name})",
            stakeholder_group=group,
            **profile,
        )
        rows.append((f"stakeholder: {group.name}", person.email, password))
    return rows
