"""Who reaches which account page: every account URL against every role.

Roles: anonymous; a stakeholder; a moderator and a consultation admin, both with two-factor
authentication set up (without it the MFA middleware sends them to the set-up page first,
see the last test). Outcomes:
  200      the page
  login    302 to the sign-in page, coming back afterwards (?next=)
  home     302 to the home page (allauth: already signed in / not signed in)
  reauth   302 to allauth's "confirm your password" page (security-sensitive pages)
  403/404  refused / nothing there (no recovery codes were generated)
"""

import pytest
from django.urls import reverse

ROLES = ["anonymous", "stakeholder", "moderator", "consultation_admin"]

# url name: (anonymous, stakeholder, moderator, consultation admin)
GET_MATRIX = {
    "accounts:profile": ("login", 200, 200, 200),
    "accounts:preferences": ("login", 200, 200, 200),
    "accounts:person": (200, 200, 200, 200),
    "accounts:data_export": ("login", 200, 200, 200),
    "accounts:delete": ("login", 200, 200, 200),
    "accounts:invitations": ("login", 403, 403, 200),
    "accounts:invitation_new": ("login", 403, 403, 200),
    "accounts:invitation_import": ("login", 403, 403, 200),
    "accounts:terms": (200, 200, 200, 200),
    "accounts:privacy": (200, 200, 200, 200),
    "account_login": (200, "home", "home", "home"),
    "account_signup": (200, "home", "home", "home"),
    "account_logout": ("home", 200, 200, 200),
    "account_email": ("login", 200, 200, 200),
    "account_change_password": ("login", 200, 200, 200),
    "mfa_index": ("login", 200, 200, 200),
    "mfa_activate_totp": ("login", "reauth", "reauth", "reauth"),
    "mfa_deactivate_totp": ("login", 404, "reauth", "reauth"),
    "mfa_view_recovery_codes": ("login", 404, 404, 404),
    "mfa_generate_recovery_codes": ("login", "reauth", "reauth", "reauth"),
}

# Writes: the same rules on POST (with empty data: a form error where the person may act).
POST_MATRIX = {
    "accounts:profile": ("login", 200, 200, 200),
    "accounts:data_export": ("login", 200, 200, 200),
    "accounts:delete": ("login", 200, 200, 200),
    "accounts:invitation_new": ("login", 403, 403, 200),
    "accounts:invitation_import": ("login", 403, 403, 200),
}


@pytest.fixture
def as_role(client, request, stakeholder, with_totp):
    def sign_in(role):
        if role != "anonymous":
            user = request.getfixturevalue(role)
            if role != "stakeholder":
                with_totp(user)
            client.force_login(user)
        return client

    return sign_in


def url_for(name, stakeholder):
    return reverse(name, args=[stakeholder.pk]) if name == "accounts:person" else reverse(name)


def check(response, expected, url):
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
    elif expected == "home":
        assert (response.status_code, response["Location"]) == (302, "/")
    elif expected == "reauth":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    else:
        assert response.status_code == expected, f"{url}: {response.status_code}"


def cases(matrix):
    return [
        pytest.param(name, role, expected[i], id=f"{name}-{role}")
        for name, expected in matrix.items()
        for i, role in enumerate(ROLES)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "expected"), cases(GET_MATRIX))
def test_get(as_role, stakeholder, name, role, expected):
    client = as_role(role)
    url = url_for(name, stakeholder)
    check(client.get(url), expected, url)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "expected"), cases(POST_MATRIX))
def test_post(as_role, stakeholder, name, role, expected):
    from accounts.models import Invitation, User

    client = as_role(role)
    url = url_for(name, stakeholder)
    check(client.post(url, {}), expected, url)
    # Nothing was written by an empty or refused post.
    assert not Invitation.objects.exists()
    assert User.objects.filter(deleted_at__isnull=False).count() == 0


@pytest.mark.django_db
def test_a_consultation_admin_without_two_factor_is_sent_to_set_it_up(client, consultation_admin):
    client.force_login(consultation_admin)
    for name in ("accounts:invitations", "accounts:invitation_new", "accounts:invitation_import"):
        response = client.get(reverse(name))
        assert (response.status_code, response["Location"]) == (
            302,
            reverse("mfa_activate_totp"),
        )
    # Their own account pages need no two-factor authentication.
    assert client.get(reverse("accounts:data_export")).status_code == 200


@pytest.mark.django_db
def test_a_deleted_persons_page_is_gone_for_everyone(client, make_person):
    from accounts.services import account_delete

    person = make_person("gone@example.org")
    account_delete(user=person)
    assert client.get(reverse("accounts:person", args=[person.pk])).status_code == 404
