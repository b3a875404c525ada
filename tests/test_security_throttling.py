"""Every 429 carries Retry-After and says when to try again (issue 17, point 2): pages, htmx
fragments and JSON, from the one helper in core/throttling.py; and the sign-in throttling that
cannot be turned against the owner (point 4)."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts import login_throttle
from core.throttling import wait_message
from tests.test_comments import HTMX, url

PASSWORD = "correct horse battery staple"  # tests/factories.py


@pytest.fixture
def recommendation(recommendation_factory, consultation_factory):
    return recommendation_factory(
        pillar__consultation=consultation_factory(slug="demo"), reference="P1-R1"
    )


def _assert_429(response, words: str):
    assert response.status_code == 429
    seconds = int(response["Retry-After"])
    assert seconds >= 1
    assert wait_message(seconds) in response.content.decode()
    assert words in response.content.decode()


def test_wait_message_speaks_in_seconds_minutes_and_hours():
    assert wait_message(0.2) == "Try again in 1 second."
    assert wait_message(40) == "Try again in 40 seconds."
    assert wait_message(5 * 60) == "Try again in 5 minutes."
    assert wait_message(3 * 3600) == "Try again in 3 hours."


@pytest.mark.django_db
def test_contribution_limit_on_the_page_and_in_htmx(client, settings, stakeholder, recommendation):
    # an hour's window: one ending between these requests is as good as impossible
    settings.RATELIMIT_RATES = {**settings.RATELIMIT_RATES, "comment": "1/h"}
    client.force_login(stakeholder)
    client.post(url("comments", recommendation), {"body": "One."})
    page = client.post(url("comments", recommendation), {"body": "Two."})
    _assert_429(page, "You are contributing faster than this consultation allows.")
    fragment = client.post(url("comments", recommendation), {"body": "Three."}, headers=HTMX)
    _assert_429(fragment, "You are contributing faster than this consultation allows.")
    assert "<html" not in fragment.content.decode()


@pytest.mark.django_db
def test_amendment_limit_says_when(client, settings, stakeholder, recommendation):
    from tests.test_amendments import wording

    settings.RATELIMIT_RATES = {"comment": "10/m", "amendment": "1/h"}
    client.force_login(stakeholder)
    client.post(url("amendment_propose", recommendation), wording())
    response = client.post(url("amendment_propose", recommendation), wording(body="Again."))
    _assert_429(response, "You are contributing faster")
    assert int(response["Retry-After"]) > 60  # the hour's window, not a guess


@pytest.mark.django_db
def test_api_throttles_and_contribution_limits_answer_json(settings, stakeholder, recommendation):
    api = APIClient()
    rates = {"anon": "1/min", "user": "600/min"}
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    with override_settings(REST_FRAMEWORK=rest):
        api.get("/api/consultations/")
        response = api.get("/api/consultations/")
    _assert_429(response, "You have sent too many requests.")
    assert response.json()["error"]["code"] == "throttled"

    api.force_authenticate(stakeholder)
    settings.RATELIMIT_RATES = {**settings.RATELIMIT_RATES, "comment": "1/h"}
    comments = f"/api/consultations/demo/recommendations/{recommendation.reference}/comments/"
    api.post(comments, {"body": "One."}, format="json")
    response = api.post(comments, {"body": "Two."}, format="json")
    _assert_429(response, "You are contributing faster than this consultation allows.")


@pytest.mark.django_db
def test_allauth_limits_answer_429_with_retry_after(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "1/m/ip"}
    data = {"email": "someone@example.org"}
    client.post(reverse("account_reset_password"), data)
    response = client.post(reverse("account_reset_password"), data)
    _assert_429(response, "You have sent too many requests.")


# -- Sign-in throttling: keyed on (account, address), growing delays, a ceiling, no lockout --


def _sign_in(client, email, password, address):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address
    )


def test_delays_grow_after_the_free_failures_and_stop_growing():
    delays = [login_throttle.delay_after(n) for n in range(0, 30)]
    assert delays[:5] == [0] * 5
    assert delays[5:9] == [1, 2, 4, 8]
    assert max(delays) == login_throttle.MAX_DELAY == delays[-1]


@pytest.mark.django_db
def test_fifty_wrong_passwords_from_one_address_never_lock_out_the_owner(client, stakeholder):
    with freeze_time("2026-01-05 09:00:00") as clock:
        for attempt in range(50):
            response = _sign_in(client, stakeholder.email, "wrong guess", "203.0.113.9")
            assert response.status_code == 200, attempt  # refused as a wrong password, counted
            clock.tick(login_throttle.MAX_DELAY + 1)
        # the attacker's address now waits before each further guess...
        response = _sign_in(client, stakeholder.email, "wrong guess", "203.0.113.9")
        assert response.status_code == 200
        response = _sign_in(client, stakeholder.email, PASSWORD, "203.0.113.9")
        _assert_429(response, "Too many failed sign-ins from this address for this account.")
        # ...while the owner, from their own address, signs in at once
        response = _sign_in(client, stakeholder.email, PASSWORD, "198.51.100.7")
        assert response.status_code == 302, response.context["form"].errors
        assert client.session["_auth_user_id"] == str(stakeholder.pk)


@pytest.mark.django_db
def test_past_the_hourly_ceiling_the_password_pauses_and_an_emailed_code_signs_in(
    client, stakeholder
):
    for n in range(login_throttle.ACCOUNT_CEILING):  # from a botnet: one address each
        _sign_in(client, stakeholder.email, "wrong", f"10.0.{n // 250}.{n % 250 + 1}")
    response = _sign_in(client, stakeholder.email, PASSWORD, "198.51.100.7")
    assert response.status_code == 200
    assert "its password does not sign in for now" in response.content.decode()
    assert "_auth_user_id" not in client.session

    # the one-time code by e-mail still signs the owner in
    mail.outbox.clear()
    response = client.post(reverse("account_request_login_code"), {"email": stakeholder.email})
    assert response.status_code == 302
    code = "".join(
        word for word in mail.outbox[-1].body.split() if word.isupper() and len(word) >= 6
    )
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert client.session.get("_auth_user_id") == str(stakeholder.pk), mail.outbox[-1].body


# -- No enumeration: the same answer, the same work, the mail queued -------------------------


@pytest.mark.django_db
def test_signup_answers_alike_and_queues_the_mail_whether_or_not_the_address_exists(
    client, stakeholder, stakeholder_group, monkeypatch
):
    from django.contrib.auth import hashers

    from accounts.tasks import send_account_email
    from notifications.models import Outbox
    from tests.test_accounts import signup

    queued, hashed = [], []
    monkeypatch.setattr(
        send_account_email,
        "delay",
        lambda outbox_id: queued.append(Outbox.objects.get(pk=outbox_id).payload["to"]),
    )
    # the password hashing is the slow step: both answers must do it (the test settings' hasher)
    real = hashers.MD5PasswordHasher.encode
    monkeypatch.setattr(
        hashers.MD5PasswordHasher, "encode", lambda *a, **k: hashed.append(1) or real(*a, **k)
    )

    answers = []
    for email in ("new.person@example.org", stakeholder.email):
        client.logout()
        queued.clear()
        hashed.clear()
        mail.outbox.clear()
        response = signup(client, stakeholder_group, email=email)
        answers.append((response.status_code, response["Location"], len(hashed) >= 1, list(queued)))
        assert mail.outbox == []  # nothing sent inside the request
    assert answers[0][:3] == answers[1][:3]
    assert answers[0][3] == [["new.person@example.org"]]
    assert answers[1][3] == [[stakeholder.email]]


@pytest.mark.django_db
def test_password_reset_answers_alike_whether_or_not_the_address_exists(client, stakeholder):
    known = client.post(reverse("account_reset_password"), {"email": stakeholder.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert EmailAddress.objects.filter(email="nobody@example.org").count() == 0
