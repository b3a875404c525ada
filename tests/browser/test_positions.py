"""A stakeholder endorses a recommendation, changes to oppose (refused without a reason, then
with one), and withdraws: with htmx, in place, the page never reloading; the totals and the
breakdown by stakeholder group follow each step. Then the same with JavaScript disabled."""

from playwright.sync_api import expect

from consultation.models import Position
from tests.browser.signin import log_in
from tests.browser.test_comments import recommendation  # noqa: F401 - the fixture


def _take_endorse_oppose_withdraw(page):
    """The journey, on the page or with a full page load at each step: the form is
    #your-position wherever it is (the recommendation's page, or the page that shows a refused
    form again without JavaScript)."""
    mine = page.locator("#your-position")
    totals = page.locator("#position-totals")
    expect(totals).to_contain_text("0 positions")

    mine.get_by_label("Endorse", exact=True).check()
    mine.get_by_role("button", name="Save position").click()
    expect(mine).to_contain_text("You endorse this recommendation.")
    expect(totals).to_have_text("1 position: 1 endorse, 0 with reservations, 0 oppose.")
    breakdown = page.get_by_role("table", name="Positions by stakeholder group")
    expect(breakdown.get_by_role("row", name="Patient organisation")).to_contain_text("1")
    assert Position.objects.get().stance == "endorse"

    # Opposing needs a reason: refused, the choice kept, nothing changed.
    mine.get_by_label("Oppose", exact=True).check()
    mine.get_by_role("button", name="Change position").click()
    expect(page.locator("#position-error")).to_have_text(
        "Give a reason to endorse with reservations or to oppose."
    )
    expect(mine.get_by_label("Oppose", exact=True)).to_be_checked()
    assert Position.objects.get().stance == "endorse"

    mine.get_by_label("Reason").fill("Hospitals cannot bear the cost.")
    mine.get_by_role("button", name="Change position").click()
    expect(mine).to_contain_text("You oppose this recommendation.")
    expect(totals).to_have_text("1 position: 0 endorse, 0 with reservations, 1 oppose.")
    expect(page.locator(".positions-list .reason")).to_have_text("Hospitals cannot bear the cost.")
    position = Position.objects.get()
    assert (position.stance, position.reason) == ("oppose", "Hospitals cannot bear the cost.")

    mine.get_by_role("button", name="Withdraw my position").click()
    expect(totals).to_contain_text("0 positions")
    expect(mine.get_by_role("button", name="Save position")).to_be_visible()
    assert not Position.objects.exists()


def test_endorse_change_to_oppose_with_a_reason_and_withdraw_in_place(
    page,
    live_server,
    migrated_rows,
    stakeholder,
    recommendation,  # noqa: F811
):
    log_in(page.context, live_server, stakeholder)
    page.goto(recommendation.get_absolute_url())
    # A flag on the window: a full page load would clear it, an htmx swap keeps it.
    page.evaluate("window.__samePage = true")
    _take_endorse_oppose_withdraw(page)
    assert page.evaluate("window.__samePage") is True
    # The refused change answers 422 (htmx swaps it in): the browser logs it, nothing else.
    assert [e for e in page.console_errors if "422" not in e] == []


def test_the_same_without_javascript(
    no_js_page,
    live_server,
    migrated_rows,
    stakeholder,
    recommendation,  # noqa: F811
):
    log_in(no_js_page.context, live_server, stakeholder)
    no_js_page.goto(recommendation.get_absolute_url())
    _take_endorse_oppose_withdraw(no_js_page)
