"""Small things a reader notices: the diff's punctuation, icons, page descriptions, headings,
the unsubscribe page's state, the printable report and the site's own error pages."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from consultation import services as dialogue
from core.diffs import word_diff
from digests.tokens import unsubscribe_token
from moderation import services as moderation
from results.charts import activity_chart
from results.selectors import Week


def test_the_word_diff_changes_a_punctuation_mark_alone():
    html = word_diff("Secure the starting materials.", "Secure the starting materials;")
    # The word stays as it was; only the mark changes.
    assert html == "Secure the starting materials<del>.</del><ins>;</ins>"


def test_the_word_diff_still_gives_back_the_text_and_escapes_it():
    old, new = "A <b>bold</b> claim, twice.", "A <b>bold</b> claim, thrice!"
    html = word_diff(old, new)
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert (
        re.sub(r"<del>.*?</del>|</?ins>", "", html).replace("&lt;", "<").replace("&gt;", ">") == new
    )


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/favicon.ico", "image/"),
        ("/apple-touch-icon.png", "image/png"),
        ("/robots.txt", "text/plain"),
    ],
)
def test_the_root_files_browsers_ask_for_are_served(client, path, content_type):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)


@pytest.mark.django_db
def test_each_page_describes_itself_for_search_engines(client, white_paper):
    recommendation = white_paper.recommendations.order_by("reference").first()
    pages = {
        reverse("recommendations:home"): white_paper.summary[:40],
        reverse("recommendations:consultation", args=[white_paper.slug]): white_paper.summary[:40],
        reverse("recommendations:detail", args=[white_paper.slug, recommendation.reference]): (
            recommendation.body[:40]
        ),
    }
    for url, start in pages.items():
        html = client.get(url).content.decode()
        (description,) = re.findall(r'<meta name="description" content="([^"]*)"', html)
        assert description.startswith(start.replace("&", "&amp;").replace("'", "&#x27;")), url


@pytest.mark.django_db
def test_the_list_heading_levels_do_not_skip(client, white_paper):
    html = client.get(reverse("recommendations:list", args=[white_paper.slug])).content.decode()
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


@pytest.mark.django_db
def test_the_unsubscribe_page_knows_the_person_is_already_unsubscribed(make_person):
    person = make_person("reader@example.org", digest_frequency="weekly")
    client = Client(enforce_csrf_checks=True)
    url = reverse("digests:unsubscribe", args=[unsubscribe_token(person)])
    client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    html = client.get(url).content.decode()
    assert "already receives no digests" in html
    assert 'method="post"' not in html.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.django_db
def test_a_missing_page_is_our_own_and_in_the_readers_language(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="site-header"' in html  # the site's layout, not Django's bare page
    with translation.override("fr"):
        assert translation.gettext("Page not found") in html


def test_the_server_error_page_is_our_own_and_needs_no_context():
    # Django renders it with no context processors: nothing in base.html may need them.
    with translation.override("de"):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="de">' in html
    with translation.override("de"):
        assert translation.gettext("Something went wrong on our side") in html


ENGLISH_MONTHS = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
    r"|\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)


@pytest.mark.parametrize(
    ("language", "month"), [("fr", "novembre"), ("nl", "november"), ("de", "November")]
)
def test_the_activity_chart_writes_its_dates_in_the_readers_language(language, month):
    weeks = [
        Week(start=dt.date(2026, 11, 30) + dt.timedelta(weeks=i), positions=3) for i in range(6)
    ]
    with translation.override(language):
        chart = activity_chart(weeks)
        labels = [bar.label for bar in chart.bars] + [text.text for text in chart.texts]
    assert any(month in label for label in labels)
    if language == "fr":
        assert "Semaine du 30 novembre 2026 : 3 positions" in labels
        assert not [label for label in labels if ENGLISH_MONTHS.search(label)]


@pytest.mark.django_db
def test_the_moderation_queue_shows_the_reporters_words_and_the_parent_as_read(
    client, white_paper, stakeholder, make_person, moderator, with_totp
):
    recommendation = white_paper.recommendations.order_by("reference").first()
    parent = dialogue.comment_create(
        author=stakeholder, recommendation=recommendation, body="A **bold** start."
    )
    reply = dialogue.comment_create(
        author=stakeholder, recommendation=recommendation, body="A reply.", parent=parent
    )
    reporter = make_person("reporter@example.org", display_name="Rita Reporter")
    moderation.flag_create(
        acting_user=reporter, content=reply, reason="other", text="It names my colleague."
    )
    client.force_login(with_totp(moderator))
    html = client.get(reverse("moderation:queue")).content.decode()
    assert "“It names my colleague.” — Rita Reporter" in html
    assert "A bold start." in html and "**bold**" not in html


@pytest.mark.django_db
def test_allauths_e_mails_have_an_html_part_in_the_persons_language(client, make_person):
    make_person("reset@example.org", language="fr")
    client.post(reverse("account_reset_password"), {"email": "reset@example.org"})
    (message,) = mail.outbox
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="fr">' in html
    link = re.search(r"https?://\S+/password/reset/key/\S+/", message.body).group(0)
    assert f'<a href="{link}">' in html
    with translation.override("fr"):
        assert (
            translation.gettext("Thank you for using %(site_name)s!\n%(site_domain)s").split("%")[0]
            in html
        )
