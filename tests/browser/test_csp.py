"""The Content-Security-Policy in a real browser: the harness catches a violation (so every
other browser test would fail on one), and the Swagger UI, the home page and htmx run under
the policy with none."""

import pytest
from playwright.sync_api import expect


def test_the_harness_sees_a_violation(page, live_server):
    page.goto("/")
    # What an injected style attribute would do: the policy blocks it and Chromium says so.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_function("document.body.lastElementChild.textContent === 'x'")
    page.wait_for_timeout(300)  # the violation event is dispatched after the insertion
    assert any("style-src-attr" in v for v in page.csp_violations), page.csp_violations
    page.csp_violations.clear()  # this one was on purpose


@pytest.mark.django_db(transaction=True)
def test_the_swagger_ui_renders_under_the_policy(page, live_server):
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Plant to patient API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.console_errors == []


def test_htmx_loads_and_the_pages_raise_no_violation(page, live_server):
    page.goto("/")
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("htmx.config.allowEval") is False
    page.goto("/accounts/login/")
    page.goto("/accounts/signup/")
    assert page.console_errors == []
