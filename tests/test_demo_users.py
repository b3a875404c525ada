"""`make run`'s demo logins: one stakeholder per group, a moderator and an admin, printed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import StakeholderGroup, User
from accounts.rules import CONSULTATION_ADMINS, MODERATORS
from accounts.services import DEMO_PASSWORD


def _run() -> str:
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    return out.getvalue()


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
    # + the admin, the moderator and the two members of the consultation team (responses)
    assert output.count(DEMO_PASSWORD) == len(groups) + 4
    assert client.login(email=groups[0].slug + "@example.org", password=DEMO_PASSWORD)


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_running_it_again_resets_the_same_accounts():
    _run()
    User.objects.filter(email="moderator@example.org").update(display_name="Changed")
    _run()

    assert User.objects.count() == StakeholderGroup.objects.count() + 4
    assert User.objects.get(email="moderator@example.org").display_name == "Demo moderator"


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_refused_when_debug_is_off():
    with pytest.raises(CommandError, match="DEBUG must be on"):
        _run()
    assert not User.objects.exists()
