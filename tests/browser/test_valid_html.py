"""The HTML check's harness in the browser (tests/browser/conftest.py): it records the page
and each htmx fragment the browser receives, and checks them after the test body."""

import pytest
from playwright.sync_api import expect

from consultation import services as dialogue
from tests.htmlcheck import is_document


@pytest.fixture
def recommendation(migrated_rows, recommendation_factory, consultation_factory):
    return recommendation_factory(
        pillar__consultation=consultation_factory(slug="demo", title="Plant to patient"),
        reference="P1-R1",
    )


def test_the_harness_records_the_page_and_the_htmx_fragments_it_receives(
    page, live_server, stakeholder, recommendation
):
    dialogue.comment_create(author=stakeholder, recommendation=recommendation, body="Why?")
    page.goto(recommendation.get_absolute_url())
    page.evaluate("window.__samePage = true")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.get_by_role("navigation", name="Sort comments").get_by_role("link").last.click()
    expect(page.locator("#comments")).to_be_visible()
    assert page.evaluate("window.__samePage") is True  # swapped in place, not a new page
    recorded = [(url, is_document(html)) for url, html in page.html_documents]
    assert recorded[0] == (live_server.url + recommendation.get_absolute_url(), True), recorded
    assert any(not whole for _, whole in recorded), recorded  # the fragment, checked on its own
