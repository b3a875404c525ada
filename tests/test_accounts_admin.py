"""The accounts admin: verifying affiliations, the stakeholder groups, the read-only record
of consents, invitations, and no privilege escalation by consultation admins."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.models import Consent, Invitation, StakeholderGroup, User
from accounts.services import invitation_create, user_signup_complete

# The e-mails (invitations, moderation decisions) go through the notifications task: run
# at once here, as a worker would run it.
pytestmark = pytest.mark.usefixtures("eager")


@pytest.fixture
def admin_client(client, consultation_admin, with_totp):
    client.force_login(with_totp(consultation_admin))
    return client


@pytest.mark.django_db
def test_verify_affiliation_action_calls_the_service(
    admin_client, consultation_admin, stakeholder, make_person
):
    other = make_person("other@example.org", display_name="Otto")
    url = reverse("admin:accounts_user_changelist")
    page = admin_client.get(url).content.decode()
    assert 'value="verify_affiliation"' in page

    response = admin_client.post(
        url,
        {"action": "verify_affiliation", "_selected_action": [stakeholder.pk, other.pk]},
        follow=True,
    )
    assert "Verified the affiliation of 2 people." in response.content.decode()
    stakeholder.refresh_from_db()
    assert stakeholder.is_affiliation_verified
    assert stakeholder.affiliation_verified_by == consultation_admin

    admin_client.post(url, {"action": "withdraw_affiliation", "_selected_action": [stakeholder.pk]})
    stakeholder.refresh_from_db()
    assert not stakeholder.is_affiliation_verified


@pytest.mark.django_db
def test_a_moderator_has_no_affiliation_action_and_no_people_list(
    client, moderator, with_totp, stakeholder
):
    client.force_login(with_totp(moderator))
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


@pytest.mark.django_db
def test_a_consultation_admin_edits_profiles_but_cannot_grant_powers(
    admin_client, consultation_admin, stakeholder, stakeholder_group
):
    url = reverse("admin:accounts_user_change", args=[consultation_admin.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="display_name"' in page
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page

    data = {
        "email": consultation_admin.email,
        "display_name": "Ada the Admin",
        "organisation": "",
        "job_title": "",
        "stakeholder_group": stakeholder_group.pk,
        "transparency_register_id": "",
        "interests": "None.",
        "is_active": "on",
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [Group.objects.get(name="Moderators").pk],
        "language": "en",
        "digest_frequency": "weekly",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    consultation_admin.refresh_from_db()
    assert consultation_admin.display_name == "Ada the Admin"
    assert not consultation_admin.is_superuser
    assert list(consultation_admin.groups.values_list("name", flat=True)) == ["Consultation admins"]


@pytest.mark.django_db
def test_consents_are_read_only(admin_client, stakeholder):
    user_signup_complete(user=stakeholder, data={})
    consent = Consent.objects.filter(user=stakeholder).first()
    assert admin_client.get(reverse("admin:accounts_consent_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:accounts_consent_change", args=[consent.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get(reverse("admin:accounts_consent_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:accounts_consent_delete", args=[consent.pk])).status_code
        == 403
    )


@pytest.mark.django_db
def test_stakeholder_groups_are_listed_and_a_superuser_adds_one(client, make_person, with_totp):
    boss = with_totp(make_person("boss@example.org", is_staff=True, is_superuser=True))
    client.force_login(boss)
    page = client.get(reverse("admin:accounts_stakeholdergroup_changelist")).content.decode()
    assert "Patient organisation" in page
    response = client.post(
        reverse("admin:accounts_stakeholdergroup_add"),
        {"name": "Nurses", "slug": "nurses", "position": 10},
    )
    assert response.status_code == 302
    assert StakeholderGroup.objects.filter(slug="nurses").exists()


@pytest.mark.django_db
def test_invitations_in_the_admin_are_resent_not_added(
    admin_client, consultation_admin, django_capture_on_commit_callbacks
):
    invitation = invitation_create(acting_user=consultation_admin, email="kim@example.org")
    url = reverse("admin:accounts_invitation_changelist")
    page = admin_client.get(url).content.decode()
    assert "kim@example.org" in page and reverse("accounts:invitations") in page
    assert admin_client.get(reverse("admin:accounts_invitation_add")).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):  # queued when the request commits
        response = admin_client.post(
            url, {"action": "resend", "_selected_action": [invitation.pk]}, follow=True
        )
    assert "Sent 1 invitation(s) again." in response.content.decode()
    assert [m.to for m in mail.outbox] == [["kim@example.org"]]
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


@pytest.mark.django_db
def test_a_stakeholder_sees_no_invitations_in_the_admin(client, make_person, with_totp):
    staff = with_totp(make_person("staff@example.org", is_staff=True))
    client.force_login(staff)
    assert client.get(reverse("admin:accounts_invitation_changelist")).status_code == 403
    assert Invitation.objects.count() == 0
    assert User.objects.filter(email="staff@example.org").exists()
