"""Passwords of 10 to 1,024 characters, refused with a message before any hashing; common
passwords refused (issue 17, point 3)."""

import pytest
from django.contrib.auth import hashers
from django.urls import reverse

from accounts.models import User
from tests.test_accounts import signup


@pytest.fixture
def hashed(monkeypatch):
    calls = []
    real = hashers.MD5PasswordHasher.encode
    monkeypatch.setattr(
        hashers.MD5PasswordHasher, "encode", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    return calls


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt-pw!", "This password is too short. It must contain at least 10 characters."),
        ("x" * 1025, "Your password can have at most 1024 characters."),
        ("password123", "This password is too common."),
    ],
    ids=["too short", "too long", "common"],
)
@pytest.mark.django_db
def test_signup_refuses_with_a_message_before_hashing(
    client, stakeholder_group, hashed, password, message
):
    response = signup(client, stakeholder_group, password1=password, password2=password)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="new.person@example.org").exists()
    assert hashed == []


@pytest.mark.django_db
def test_ten_and_1024_characters_are_accepted(client, stakeholder_group):
    for n, password in enumerate(["kx7-Qm2!zv", "k" * 1000 + "x7-Qm2!zv" * 2 + "abcdef"]):
        client.logout()
        assert len(password) in (10, 1024)
        response = signup(client, stakeholder_group, email=f"p{n}@example.org",
                          password1=password, password2=password)  # fmt: skip
        assert response.status_code == 302, response.content.decode()[-2000:]
        assert User.objects.get(email=f"p{n}@example.org").check_password(password)


@pytest.mark.django_db
def test_a_4096_character_password_at_sign_in_is_refused_unhashed(client, stakeholder, hashed):
    response = client.post(
        reverse("account_login"), {"login": stakeholder.email, "password": "p" * 4096}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert hashed == []
