"""Sign-up with consent and verification, sign-in throttling, MFA for roles, the profile
and the rules that decide who may contribute."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import legal
from accounts.middleware import SETUP_NEXT
from accounts.models import Consent, User
from accounts.rules import contribution_refusal

# The e-mails (invitations, moderation decisions) go through the notifications task: run
# at once here, as a worker would run it.
pytestmark = pytest.mark.usefixtures("eager")

PASSWORD = "a-long and unusual passphrase 42"


def signup(client, stakeholder_group, **overrides):
    data = {
        "email": "new.person@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "display_name": "New Person",
        "organisation": "Belgian Patients",
        "job_title": "Policy officer",
        "stakeholder_group": stakeholder_group.pk,
        "speaks_for_organisation": "on",
        "interests": "Board member of a patient association.",
        "accept_terms": "on",
        "accept_privacy": "on",
        **overrides,
    }
    return client.post(reverse("account_signup"), data)


@pytest.mark.django_db
def test_signup_records_profile_and_consents_then_verification_allows_login(
    client, stakeholder_group
):
    response = signup(client, stakeholder_group, next="/recommendations/")
    assert response.status_code == 302

    user = User.objects.get(email="new.person@example.org")
    # The declaration of interests is given with the sign-up, dated.
    assert user.interests == "Board member of a patient association."
    assert user.has_declared_interests
    assert (user.display_name, user.organisation, user.job_title) == (
        "New Person",
        "Belgian Patients",
        "Policy officer",
    )
    assert user.stakeholder_group == stakeholder_group and user.speaks_for_organisation
    assert set(user.consents.values_list("document", "version")) == {
        (Consent.Document.TERMS, legal.TERMS_VERSION),
        (Consent.Document.PRIVACY, legal.PRIVACY_VERSION),
    }
    # Not verified yet: not signed in, and contributing is refused with the reason.
    assert contribution_refusal(user).startswith("Verify your e-mail address")
    assert "_auth_user_id" not in client.session

    message = mail.outbox[-1]
    assert message.to == ["new.person@example.org"]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    # Confirmed in the browser that signed up: signed in, back where the sign-up started.
    response = client.post("/" + path)
    assert response.status_code == 302 and response["Location"] == "/recommendations/"
    assert client.session["_auth_user_id"] == str(user.pk)
    # Nothing left to declare: no reminder.
    assert contribution_refusal(user) is None
    client.logout()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_confirming_in_another_browser_verifies_without_signing_in(client, stakeholder_group):
    """allauth signs in on confirmation only in the session that signed up: a link opened
    elsewhere (or by someone who got hold of it) verifies the address and signs no one in."""
    signup(client, stakeholder_group)
    link = re.search(r"https?://[^\s/]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    other = Client()
    response = other.post(link.group(1))
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in other.session
    assert EmailAddress.objects.get(email="new.person@example.org").verified


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"accept_terms": ""}, "accept_terms", "You must accept the terms of participation"),
        ({"accept_privacy": ""}, "accept_privacy", "You must acknowledge the privacy notice"),
        ({"password1": "password", "password2": "password"}, "password1", "too common"),
        ({"display_name": ""}, "display_name", "This field is required"),
        ({"interests": ""}, "interests", "This field is required"),
    ],
)
def test_signup_errors_are_shown_and_nothing_is_created(
    client, stakeholder_group, overrides, field, message
):
    response = signup(client, stakeholder_group, **overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors[field])
    assert not User.objects.filter(email="new.person@example.org").exists()


@pytest.mark.django_db
def test_repeated_failed_logins_are_throttled_with_a_clear_message(client, stakeholder):
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": stakeholder.email, "password": "wrong"}
        )
        assert (
            "The email address and/or password you specified are not correct"
            in response.content.decode()
        )
    response = client.post(
        reverse("account_login"), {"login": stakeholder.email, "password": PASSWORD}
    )
    # past five failures this address waits, and is told how long (test_security_throttling)
    assert response.status_code == 429 and response["Retry-After"] == "1"
    html = response.content.decode()
    assert "Too many failed sign-ins from this address for this account." in html
    assert "Try again in 1 second." in html
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_moderator_must_set_up_two_factor_before_acting(client, moderator, with_totp):
    client.force_login(moderator)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # allauth first asks for the password again, as for any security change: that page says
    # nothing of setting up (it has no code to scan); the set-up page says why.
    page = client.get(response["Location"], follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert "two-factor" not in page.content.decode()
    client.post(page.redirect_chain[-1][0], {"password": "correct horse battery staple"})
    setup = client.get(reverse("mfa_activate_totp")).content.decode()
    assert "must set up two-factor authentication before they act" in setup
    assert 'id="authenticator_secret"' in setup and "readonly" in setup
    assert client.session[SETUP_NEXT] == "/admin/"

    with_totp(moderator)
    assert client.get("/admin/").status_code == 200
    assert SETUP_NEXT not in client.session  # back where they were going


@pytest.mark.django_db
def test_a_stakeholder_reaches_no_admin_and_needs_no_two_factor(client, stakeholder):
    client.force_login(stakeholder)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_contribution_refusals_say_why(make_person):
    assert contribution_refusal(make_person("ok@example.org")) is None
    assert "Verify your e-mail" in contribution_refusal(
        make_person("u@example.org", verified=False)
    )
    assert "Declare your interests" in contribution_refusal(
        make_person("i@example.org", declared=False)
    )
    suspended = make_person(
        "s@example.org", suspended_until=timezone.now() + timezone.timedelta(days=3)
    )
    assert "suspended until" in contribution_refusal(suspended)
    suspended.suspended_until = timezone.now() - timezone.timedelta(days=1)
    assert contribution_refusal(suspended) is None


@pytest.mark.django_db
def test_profile_update_dates_the_declaration_and_checks_the_register_number(
    client, make_person, stakeholder_group
):
    person = make_person("p@example.org", declared=False, display_name="P")
    client.force_login(person)
    data = {
        "display_name": "Pat",
        "organisation": "Hospital",
        "job_title": "",
        "stakeholder_group": stakeholder_group.pk,
        "transparency_register_id": "12345",
        "interests": "none",
    }
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 200
    assert "9 to 12 digits" in response.content.decode()
    person.refresh_from_db()
    assert person.interests_declared_at is None

    data["transparency_register_id"] = "123456789012-34"
    assert client.post(reverse("accounts:profile"), data).status_code == 302
    person.refresh_from_db()
    assert person.interests == "none" and person.interests_declared_at is not None
    assert contribution_refusal(person) is None


@pytest.mark.django_db
def test_preferences_are_saved(client, stakeholder, pillar_factory):
    pillar = pillar_factory()
    client.force_login(stakeholder)
    response = client.post(
        reverse("accounts:preferences"),
        {
            "language": "nl",
            "digest_frequency": "daily",
            "notify_replies": "on",
            "pillars_of_interest": [pillar.pk],
        },
    )
    assert response.status_code == 302
    stakeholder.refresh_from_db()
    assert (stakeholder.language, stakeholder.digest_frequency) == ("nl", "daily")
    assert stakeholder.notify_replies and not stakeholder.notify_decisions
    assert list(stakeholder.pillars_of_interest.all()) == [pillar]


@pytest.mark.django_db
def test_new_accounts_default_to_a_weekly_digest(stakeholder):
    assert stakeholder.digest_frequency == "weekly"


@pytest.mark.django_db
def test_public_profile_shows_badge_and_interests_but_not_the_email(
    client, stakeholder, consultation_admin
):
    from accounts.services import affiliation_verify

    affiliation_verify(user=stakeholder, acting_user=consultation_admin)
    html = client.get(reverse("accounts:person", args=[stakeholder.pk])).content.decode()
    assert (
        "Sam Stakeholder" in html and "Patients Together" in html and "Patient organisation" in html
    )
    assert "Verified" in html and "None." in html
    assert stakeholder.email not in html
