"""The consultation team answers a recommendation: one member drafts a response citing two
comments and an amendment, a second reviews and publishes it; the two authors get their
e-mail once, read it on "My contributions", and the synopsis shows the diff and the response."""

import pytest
from playwright.sync_api import expect

from consultation import services
from recommendations.models import Consultation
from responses.services import responses_publish_due
from tests.browser.signin import log_in

TITLE = "Secure the supply of plant material"
BODY = "Regulators should publish clear guidance on plant material."


@pytest.fixture
def recommendation(recommendation_factory, consultation_factory):
    return recommendation_factory(
        pillar__consultation=consultation_factory(slug="demo", title="Plant to patient"),
        reference="P1-R1",
        title=TITLE,
        body=BODY,
    )


def test_team_drafts_reviews_and_publishes_and_the_authors_hear_of_it(
    page,
    live_server,
    migrated_rows,
    eager,
    file_outbox,
    make_person,
    team_member,
    second_team_member,
    recommendation,
):
    ann = make_person("ann@example.org", display_name="Ann Author")
    bob = make_person("bob@example.org", display_name="Bob Writer")
    services.comment_create(author=ann, recommendation=recommendation, body="Name a deadline.")
    services.comment_create(author=bob, recommendation=recommendation, body="Binding, please.")
    services.amendment_propose(
        author=ann,
        recommendation=recommendation,
        title=TITLE,
        body="Regulators should publish binding guidance on plant material.",
        justification="Clear guidance is not enough.",
    )

    # The first member of the team drafts the response.
    log_in(page, live_server, team_member)
    page.goto(recommendation.get_absolute_url())
    response = page.locator("#response")
    expect(response).to_contain_text("Awaiting response from the organisers.")
    response.get_by_role("link", name="Write the response").click()
    page.get_by_label("Status").select_option(label="Adopted with changes")
    page.get_by_label("Response").fill("We adopt it, **binding** as you asked.")
    page.get_by_label("Resulting wording: title").fill(TITLE)
    page.get_by_label("Resulting wording: text").fill(
        "Regulators should publish binding guidance on plant material."
    )
    page.get_by_label("Name a deadline.", exact=False).check()
    page.get_by_label("Binding, please.", exact=False).check()
    page.get_by_label("Ann Author (Open)", exact=False).check()
    page.get_by_role("button", name="Save the response").click()
    expect(page.locator("#alerts")).to_contain_text("The response is saved.")
    expect(response).to_contain_text("Draft")
    # The one who wrote it cannot approve it.
    expect(response.get_by_role("button", name="Approve and publish")).to_have_count(0)

    # A second member reviews and publishes it.
    log_in(page, live_server, second_team_member)
    page.goto(recommendation.get_absolute_url())
    response.get_by_role("button", name="Approve and publish").click()
    expect(page.locator("#alerts")).to_contain_text("The response is published.")
    expect(response.locator(".response-status")).to_have_text("Adopted with changes")
    expect(response.locator("strong")).to_have_text("binding")
    expect(response.locator(".citations li")).to_have_count(3)

    # Each author: one e-mail, naming their contributions and the response; never again.
    responses_publish_due()
    mails = [
        m for m in file_outbox() if "response to P1-R1" in m.get_body(("plain",)).get_content()
    ]
    assert sorted(m["To"] for m in mails) == ["ann@example.org", "bob@example.org"]
    ann_mail = next(m for m in mails if m["To"] == "ann@example.org")
    text = ann_mail.get_body(("plain",)).get_content()
    assert (
        "Name a deadline." in text and "your amendment" in text and "Adopted with changes" in text
    )

    for person, contribution in ((ann, "Name a deadline."), (bob, "Binding, please.")):
        log_in(page, live_server, person)
        page.goto("/")
        page.get_by_role("link", name="My contributions").click()
        item = page.locator(".contribution-comment", has_text=contribution)
        expect(item).to_contain_text("Cited in the organisers' response (Adopted with changes).")

    # The consultation closes: the synopsis shows the wording's diff and the response.
    Consultation.objects.filter(slug="demo").update(state=Consultation.State.CLOSED)
    page.goto("/consultations/demo/you-said-we-did/")
    page.get_by_role("link", name="Read the synopsis report").click()
    entry = page.locator("#P1-R1")
    expect(entry.locator(".body-diff del")).to_have_text(["clear "])
    expect(entry.locator(".body-diff ins")).to_have_text(["binding "])
    expect(entry).to_contain_text("Response: Adopted with changes")
    expect(entry).to_contain_text("Comment by Bob Writer: Binding, please.")
    assert not page.console_errors
