"""E-mails in the recipient's language (the catalogues in locale/, compiled by `make test`),
whatever language the sending process runs in; the content stays as it was written."""

import pytest
from freezegun import freeze_time

from accounts.models import User

from .test_digests import SEND, groups, html_of, scenario, send_daily, to  # noqa: F401

# The e-mails (invitations, moderation decisions) go through the notifications task: run
# at once here, as a worker would run it.
pytestmark = pytest.mark.usefixtures("eager")


@pytest.mark.django_db
def test_a_dutch_readers_digest_is_in_dutch(scenario):  # noqa: F811
    User.objects.filter(pk=scenario["reader"].pk).update(language="nl")
    with freeze_time(SEND):
        send_daily()
    (message,) = to("reader@example.org")
    assert message.subject == "[Plant to patient] Uw dagelijks overzicht van 4 mei 2026: 5 updates"
    text, html = message.body, html_of(message)
    assert text.startswith("Beste Rita Reader,\n")
    assert "Dit is er gebeurd op Plant to patient op maandag 4 mei 2026." in text
    assert "== Meest actieve discussies ==" in text
    assert "P2-R1 Pay for outcomes: 2 reacties" in text  # user content stays as written
    assert "Uitschrijven voor deze overzichten" in text
    assert "Most active discussions" not in text and "Hello" not in text
    assert '<html lang="nl">' in html and "<title>Uw overzicht</title>" in html


@pytest.mark.django_db
def test_a_german_readers_digest_writes_dates_the_german_way(scenario):  # noqa: F811
    User.objects.filter(pk=scenario["reader"].pk).update(language="de")
    with freeze_time(SEND):
        send_daily()
    (message,) = to("reader@example.org")
    assert "Montag, 4. Mai 2026" in message.body


@pytest.mark.django_db
def test_signing_up_in_dutch_keeps_dutch_and_verification_comes_in_dutch(client, stakeholder_group):
    from django.core import mail

    from .test_accounts import signup

    client.cookies["django_language"] = "nl"
    assert signup(client, stakeholder_group).status_code == 302
    assert User.objects.get(email="new.person@example.org").language == "nl"
    (message,) = mail.outbox
    assert message.subject == "[Plant to patient] Bevestig je e-mailadres"


@pytest.mark.django_db
def test_a_password_reset_goes_out_in_the_persons_language_not_the_browsers(client, stakeholder):
    from django.core import mail
    from django.urls import reverse

    User.objects.filter(pk=stakeholder.pk).update(language="fr")
    response = client.post(
        reverse("account_reset_password"),
        {"email": stakeholder.email},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "[Plant to patient] E-mail de réinitialisation de mot de passe"
    assert "mot de passe" in message.body
