"""E-mails in the recipient's language (the catalogues in locale/, compiled by `make test`),
whatever language the sending process runs in; the content stays as it was written."""

import pytest
from freezegun import freeze_time

from accounts.models import User

from .test_digests import SEND, groups, html_of, scenario, send_daily, to  # noqa: F401


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
