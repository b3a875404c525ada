"""`make run`'s demo logins: one stakeholder per group, a moderator and an admin, with a
random password and TOTP secret per install, printed once; never with the production
settings (issue 17, point 7)."""

import re
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import StakeholderGroup, User
from accounts.rules import CONSULTATION_ADMINS, MODERATORS


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def _run(*args) -> str:
    out = StringIO()
    call_command("create_demo_users", *args, stdout=out)
    return out.getvalue()


def _password(output: str) -> str:
    return re.search(r"admin@example.org\s+(\S+)", output).group(1)


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_one_login_per_stakeholder_group_a_moderator_and_an_admin_are_printed(client):
    output = _run()

    groups = list(StakeholderGroup.objects.all())
    assert len(groups) == 9  # the seeded list of the issue
    for group in groups:
        person = User.objects.get(stakeholder_group=group)
        assert f"stakeholder: {group.name}" in output
        assert person.email in output
        # Ready to contribute: verified address and declared interests.
        assert person.emailaddress_set.get().verified
        assert person.interests_declared_at is not None
    assert User.objects.get(email="moderator@example.org").groups.filter(name=MODERATORS)
    assert User.objects.get(email="admin@example.org").groups.filter(name=CONSULTATION_ADMINS)
    password = _password(output)
    # + the admin, the moderator and the two members of the consultation team (responses)
    assert len(password) >= 16 and output.count(password) == len(groups) + 4
    assert client.login(email=groups[0].slug + "@example.org", password=password)


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_each_install_gets_its_own_secrets_printed_once_and_kept_for_its_owner(var_dir):
    first = _run()
    secret = re.search(r"TOTP secret is (\w+)", first).group(1)
    assert secret != "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the constant once in the README
    kept = var_dir / "demo-logins.txt"
    assert kept.read_text() in first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600

    again = _run()  # `make run` a second time: nothing printed, told where they are
    assert _password(first) not in again and str(kept) in again
    assert User.objects.count() == StakeholderGroup.objects.count() + 4

    User.objects.filter(email="moderator@example.org").update(display_name="Changed")
    reset = _run("--reset")
    assert _password(reset) != _password(first)
    assert User.objects.get(email="moderator@example.org").display_name == "Demo moderator"
    assert User.objects.get(email="admin@example.org").check_password(_password(reset))

    code = StringIO()
    call_command("demo_totp_code", stdout=code)
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    admin_totp = Authenticator.objects.get(user__email="admin@example.org", type="totp")
    assert TOTP(admin_totp).validate_code(code.getvalue().strip())


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_the_production_settings_refuse_them_even_when_forced(settings):
    from accounts.services import demo_users_ensure

    settings.DEMO_USERS_ALLOWED = False  # as config/settings/production.py says
    with pytest.raises(CommandError, match="never created with the production settings"):
        _run("--force")
    with pytest.raises(PermissionDenied):
        demo_users_ensure(password="x" * 20, totp_secret="A" * 32)
    assert not User.objects.exists()


def test_production_settings_say_so():
    source = (Path(settings.BASE_DIR) / "config/settings/production.py").read_text()
    assert "DEMO_USERS_ALLOWED = False" in source


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_refused_when_debug_is_off():
    with pytest.raises(CommandError, match="DEBUG must be on"):
        _run()
    assert not User.objects.exists()
