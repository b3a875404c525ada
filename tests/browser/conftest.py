"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's
live server. Nothing is downloaded: Playwright is pointed at /usr/bin/chromium.

Fixtures:
  browser  one headless Chromium for the whole session;
  page     a fresh context and page per test, its base URL the live server (so
           `page.goto("/")` works); `page.console_errors` lists the console errors and
           uncaught page errors seen so far, for a test to assert it is empty.

Any Content-Security-Policy violation logged on any page a test visits fails that test
(`page.csp_violations`, checked after the test body by pytest_runtest_call below).

So does any HTML error: every document and htmx fragment (text/html) the browser receives is
recorded (`page.html_documents`) and, after the test body, checked by the Nu HTML Checker
(tests/htmlcheck.py; `html_checker` in tests/conftest.py, one for the session); its warnings
are reported with the test.

Every test in this folder is marked `browser`, and skipped (with the reason) only when
Chromium is not installed. A failing test leaves a screenshot in var/screenshots/.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.htmlcheck import report

# Playwright's sync API runs an asyncio event loop in this thread, so Django would refuse
# ORM calls from test bodies and fixtures ("You cannot call this from an async context").
# Nothing here is actually asynchronous: the live server answers in its own thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
# What Chromium logs when the Content-Security-Policy blocks something.
CSP_VIOLATION = re.compile(r"Content Security Policy|Content-Security-Policy|Refused to")
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content-Security-Policy violation: ${event.violatedDirective} blocked `
    + `${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`);
});
"""
HERE = Path(__file__).resolve().parent
AXE = HERE / "vendor" / "axe.min.js"


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


def _chromium_missing() -> bool:
    return not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK))


def pytest_itemcollected(item):
    """Mark every test here `browser` (before `-m` selects), and skip it without Chromium."""
    if not _in_this_folder(item):
        return
    item.add_marker(pytest.mark.browser)
    if _chromium_missing():
        item.add_marker(
            pytest.mark.skip(
                reason=f"Chromium is not installed at {CHROMIUM} (`make system-deps` installs it)"
            )
        )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests last.

    Each one flushes the database when it ends (live_server implies transactional_db), which
    also removes what the data migrations created (stakeholder groups, roles, the periodic
    session clean-up) that later tests may expect. pytest-django has already put the
    transactional tests after the others; `trylast` runs this after its reordering and keeps
    its order for everything else.
    """
    mine = [item for item in items if _in_this_folder(item)]
    if mine:
        items[:] = [item for item in items if not _in_this_folder(item)] + mine


def _screenshot_path(item: pytest.Item) -> Path:
    name = re.sub(r"[^\w.-]+", "_", item.name).strip("_")
    return Path(settings.VAR_DIR) / "screenshots" / f"{name}.png"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """When a test that uses `page` fails, save a screenshot of the page as it was."""
    report = yield
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None and not page.is_closed():
        path = _screenshot_path(item)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as exc:  # the screenshot is a help; never hide the failure
            report.sections.append(("screenshot", f"Could not save {path}: {exc}"))
        else:
            report.sections.append(("screenshot", f"The page when the test failed: {path}"))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test if the policy blocked anything on any page it visited, or if any page
    or fragment it received is not valid HTML."""
    result = yield
    funcargs = getattr(item, "funcargs", {})
    page = funcargs.get("page")
    violations = getattr(page, "csp_violations", None)
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))
    documents = [
        document
        for fixture in ("page", "no_js_page")
        for document in getattr(funcargs.get(fixture), "html_documents", [])
    ]
    if documents:
        errors, warnings = funcargs["html_checker"].check_all(documents)
        if warnings:
            item.add_report_section(
                "call", "HTML warnings", "\n".join(str(w) for w in dict.fromkeys(warnings))
            )
        if errors:
            pytest.fail(report(errors))
    return result


HTML_RESOURCES = {"document", "xhr", "fetch"}


def record_html(page) -> None:
    """Keep every HTML document and htmx fragment the page receives, as (url, html)."""
    documents: list[tuple[str, str]] = []

    def on_response(response):
        if response.request.resource_type not in HTML_RESOURCES:
            return
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        if 300 <= response.status < 400 or response.request.method == "HEAD":
            return  # a redirect has no page of its own
        documents.append((response.url, response.text()))

    page.on("response", on_response)
    page.html_documents = documents


@pytest.fixture(scope="session")
def playwright_instance():
    """Playwright, with this thread's database connections kept as they were.

    Playwright's sync API leaves an asyncio loop "running" in this thread, and Django then
    looks its connections up per async context instead of per thread: without the pinning
    below, tests would get new connection objects, which lack what the test-database set-up
    stored on the old ones (the serialized contents that serialized_rollback restores).
    """
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    before = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in before.items():
            connections[alias] = connection
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server, django_db_serialized_rollback, html_checker):
    """A new context and page on the live server; console and page errors are collected.

    django_db_serialized_rollback: the test starts with what the data migrations created
    (stakeholder groups, roles), even after another test has flushed the database.
    """
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    # Chromium does not always pass its own "Refused to ..." log line to Playwright: the page
    # reports each violation event to the console as well (an init script, which the policy
    # does not apply to).
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    errors: list[str] = []
    violations: list[str] = []

    def on_console(message):
        where = message.location
        if CSP_VIOLATION.search(message.text):
            violations.append(f"{message.text} ({where['url']}:{where['lineNumber']})")
        # Chromium asks for /favicon.ico on its own and logs the 404: not the page's error.
        if message.type == "error" and not where["url"].endswith("/favicon.ico"):
            errors.append(f"console error: {message.text} ({where['url']}:{where['lineNumber']})")

    page.on("console", on_console)

    def on_page_error(error):
        errors.append(f"page error: {error}")
        if CSP_VIOLATION.search(str(error)):
            violations.append(f"page error: {error}")

    page.on("pageerror", on_page_error)
    record_html(page)
    page.console_errors = errors
    page.csp_violations = violations
    yield page
    context.close()


@pytest.fixture
def axe():
    """`axe(page)`: what axe-core (vendored) finds wrong on the page as it is now, as
    (rule, targets) pairs; a test asserts the list is empty on each page it visits.

    Evaluated through the DevTools protocol, not as an inline <script> the page's
    Content-Security-Policy would (rightly) refuse."""
    source = AXE.read_text()

    def violations(page) -> list:
        page.evaluate(source)
        found = page.evaluate("async () => (await axe.run(document)).violations")
        return [(v["id"], [n["target"] for n in v["nodes"]]) for v in found]

    return violations


@pytest.fixture
def no_js_page(browser, live_server, django_db_serialized_rollback, html_checker):
    """A page with JavaScript disabled: the forms' plain posts and redirects."""
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    record_html(page)
    yield page
    context.close()


@pytest.fixture
def migrated_rows(page):
    """The rows the data migrations made that these tests need: the roles, the stakeholder
    groups the fixtures use, a reason template.

    `page` asks for a serialized rollback to restore them after another test flushed the
    database, but that does not happen when the database was set up before Playwright started
    (an earlier, non-browser test): Playwright runs an event loop in this thread, so Django's
    connection here is a new object, without the contents serialized at set-up.
    """
    from django.contrib.auth.models import Group

    from accounts.models import StakeholderGroup
    from accounts.rules import CONSULTATION_ADMINS, MODERATORS
    from moderation.models import ReasonTemplate

    for name in (MODERATORS, CONSULTATION_ADMINS):
        Group.objects.get_or_create(name=name)
    for slug, name, position in [
        ("hospital", "Hospital and healthcare professionals", 4),
        ("patient-organisation", "Patient organisation", 5),
    ]:
        StakeholderGroup.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )
    ReasonTemplate.objects.get_or_create(
        title="Spam or advertising",
        defaults={"text": "It advertises rather than discusses.", "actions": ["reject", "hide"]},
    )


@pytest.fixture
def file_outbox(settings, tmp_path):
    """The live server writes every message as an .eml file under tmp_path; this returns
    them, oldest first."""
    import email
    from email import policy

    settings.EMAIL_BACKEND = "config.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)

    def messages():
        return [
            email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(tmp_path.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        ]

    return messages
