"""Valid HTML on the pages the browser tests do not reach: the Nu HTML Checker (the W3C
validator, tests/htmlcheck.py) over every page a crawl of the site finds from the home page
as a visitor, a stakeholder and a moderator (every same-site link, and each htmx fragment a
`data-hx-get` asks for), and over the site's own error pages (403, 404, 500, 503). Errors
must be none. The browser tests check every page and fragment they receive the same way
(tests/browser/conftest.py)."""

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import translation

from config.middleware import database_unavailable, server_error
from core.markup import render_markdown
from tests.htmlcheck import report
from tests.site_crawl import contribute, crawl


@pytest.fixture
def contributions(white_paper, stakeholder, make_person):
    return contribute(white_paper, stakeholder, make_person)


def test_the_checker_finds_the_errors_the_issue_named(html_checker):
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head>'
        '<body><div hx-get="/x">a</div><time datetime="2026-12-01T10:00:00.123456+00:00">b'
        "</time><p><span><ul><li>c</li></ul></span></p></body></html>"
    )
    errors = [m.text for m in html_checker.check("bad", page) if m.kind == "error"]
    assert any("hx-get" in e for e in errors), errors
    assert any("fraction of a second" in e for e in errors), errors
    assert any("Unclosed element “span”" in e for e in errors), errors  # <ul> ended the <p>
    valid = page.replace(" hx-get", " data-hx-get").replace(".123456", "")
    valid = valid.replace("<p><span><ul><li>c</li></ul></span></p>", "<ul><li>c</li></ul>")
    assert [m for m in html_checker.check("good", valid) if m.kind == "error"] == []


def test_a_fragment_is_checked_inside_a_document(html_checker):
    assert html_checker.check("fragment", '<section id="s"><h2>T</h2></section>') == []
    found = html_checker.check("fragment", '<section hx-get="/"><h2>T</h2></section>')
    assert [(m.kind, m.line) for m in found] == [("error", 1)], found


@pytest.mark.django_db
def test_every_page_a_visitor_a_stakeholder_and_a_moderator_reach_is_valid_html(
    client, html_checker, contributions, stakeholder, moderator, with_totp
):
    pages = crawl(client)
    client.force_login(stakeholder)
    pages += crawl(client)
    pages += crawl(client, "/accounts/password/change/")
    client.force_login(with_totp(moderator))  # staff pass two-factor authentication
    pages += crawl(client, "/moderation/")
    urls = {url for url, _ in pages}
    # The crawl reached the pages that matter: recommendation, results, dialogue, queue.
    assert contributions.get_absolute_url() in urls
    assert {"/accounts/signup/", "/accounts/password/change/", "/moderation/"} <= urls
    assert any(url.endswith("(htmx)") for url in urls)
    errors, _warnings = html_checker.check_all(pages)
    assert not errors, report(errors)


@pytest.mark.django_db
def test_the_error_pages_are_valid_html_in_the_readers_language(client, stakeholder, html_checker):
    stakeholder.language = "fr"
    stakeholder.save(update_fields=["language"])
    client.force_login(stakeholder)
    pages = [
        ("404", client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr")),
        ("403", client.get("/moderation/", HTTP_ACCEPT_LANGUAGE="fr")),
    ]
    with translation.override("fr"):
        pages.append(("500", server_error(RequestFactory().get("/"))))
        pages.append(("503", database_unavailable(RequestFactory().get("/"), OperationalError())))
    assert [response.status_code for _, response in pages] == [404, 403, 500, 503]
    documents = [(name, response.content.decode()) for name, response in pages]
    for name, text in documents:
        assert '<html lang="fr">' in text, name
    errors, _warnings = html_checker.check_all(documents)
    assert not errors, report(errors)


def test_a_link_the_sanitiser_disarmed_is_valid_html(html_checker):
    html = render_markdown("[click](javascript:alert(1)) and [read](https://example.org/s)")
    assert html == (
        '<p><a>click</a> and <a href="https://example.org/s" rel="nofollow ugc">read</a></p>'
    )
    assert html_checker.check("comment", html) == []
