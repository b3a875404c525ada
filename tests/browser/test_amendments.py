"""A stakeholder proposes new wording and reads it as a diff; another endorses it in place; a
moderator accepts it; the recommendation reads as version 2, earlier positions are flagged,
and the competing amendment written on version 1 is outdated."""

import re

from playwright.sync_api import expect

from consultation import services
from consultation.models import Amendment, Position
from tests.browser.signin import log_in

TITLE = "Secure the supply of plant material"
BODY = "Regulators should publish clear guidance on plant material."
NEW_TITLE = "Secure and document the supply of plant material"
NEW_BODY = "Regulators should publish binding guidance on plant material."


def test_propose_endorse_accept_and_the_competing_amendment_is_outdated(
    page, live_server, migrated_rows, make_person, stakeholder, moderator, with_totp, recommendation
):
    voter = make_person("voter@example.org", display_name="Vic Voter")
    services.position_take(author=voter, recommendation=recommendation, stance="endorse")
    rival = make_person("rival@example.org", display_name="Rita Rival")
    competing = services.amendment_propose(
        author=rival,
        recommendation=recommendation,
        title=TITLE,
        body="Regulators should publish clear guidance on plant material within a year.",
        justification="A deadline.",
    )

    # The stakeholder proposes new wording, starting from the current one.
    log_in(page, live_server, stakeholder)
    page.goto(recommendation.get_absolute_url())
    page.get_by_role("link", name="Propose an amendment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose an amendment to P1-R1")
    expect(page.get_by_label("Proposed title")).to_have_value(TITLE)
    expect(page.get_by_label("Proposed text")).to_have_value(BODY)
    page.get_by_label("Proposed title").fill(NEW_TITLE)
    page.get_by_label("Proposed text").fill(NEW_BODY)
    page.get_by_label("Justification").fill("Clear guidance is not enough.")
    page.get_by_label("Evidence links").fill("https://example.org/study")
    page.get_by_role("button", name="Publish the amendment").click()

    mine = Amendment.objects.get(author=stakeholder)
    expect(page).to_have_url(re.compile(rf"/amendments/{mine.pk}/$"))
    expect(page.locator("#alerts")).to_contain_text("Your amendment is published")
    diff = page.locator("#diff-base")
    expect(diff.locator(".diff-body del")).to_have_text(["clear "])
    expect(diff.locator(".diff-body ins")).to_have_text(["binding "])
    expect(diff.locator(".diff-title ins")).to_have_text(["and document "])
    expect(page.get_by_role("link", name="https://example.org/study")).to_have_attribute(
        "rel", "nofollow ugc noopener"
    )

    # Someone else endorses it: htmx swaps the count and the button in place.
    log_in(page, live_server, rival)
    page.goto(page.url)
    expect(page.locator("#endorsement-count")).to_have_text("0 endorsements")
    page.get_by_role("button", name="Endorse this amendment").click()
    expect(page.locator("#endorsement-count")).to_have_text("1 endorsement")
    expect(page.get_by_role("button", name="Take back my endorsement")).to_be_focused()
    assert mine.endorsements.filter(user=rival).exists()

    # A moderator, with two-factor authentication set up, accepts it.
    log_in(page, live_server, with_totp(moderator))
    page.goto(page.url)
    page.get_by_label("Note").fill("Agreed by the panel.")
    page.get_by_role("button", name="Accept: publish as version 2").click()
    expect(page.locator("#alerts")).to_contain_text("P1-R1 now reads as version 2")
    expect(page.locator("#amendment-status")).to_have_text("Accepted")

    # The recommendation reads the new wording, as version 2; the earlier position is flagged.
    page.goto(recommendation.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
    expect(page.locator("article .body").first).to_contain_text("binding guidance")
    history = page.get_by_role("region", name="Version history")
    expect(history.locator("li").first).to_contain_text("Version 2")
    expect(history.locator("li").first.locator(".tag")).to_have_text("current")
    flag = page.locator(".positions-list .earlier-wording")
    expect(flag).to_have_text("on an earlier wording (version 1)")
    assert Position.objects.get(author=voter).version.number == 1

    # The competing amendment, written on version 1, is outdated.
    amendments = page.get_by_role("region", name="Amendments")
    expect(amendments.locator(f"#amendment-{competing.pk} .amendment-status")).to_have_text(
        "Outdated"
    )
    amendments.get_by_role("link", name=re.compile(rf"Amendment #{competing.pk}")).click()
    expect(page.locator("#amendment-status")).to_have_text("Outdated")
    expect(page.locator("#diff-current")).to_be_visible()

    assert page.console_errors == []
