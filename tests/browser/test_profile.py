"""A reader goes from a comment to its author's profile, finds the comment listed there among
the author's contributions, and follows its link back to the comment."""

import re

import pytest
from playwright.sync_api import expect

from consultation import services


@pytest.fixture
def recommendation(migrated_rows, recommendation_factory, consultation_factory):
    return recommendation_factory(
        pillar__consultation=consultation_factory(slug="demo", title="Plant to patient"),
        reference="P1-R1",
        title="Secure the supply of plant material",
    )


def test_a_reader_goes_from_a_comment_to_its_authors_profile_and_back(
    page, migrated_rows, stakeholder, recommendation
):
    comment = services.comment_create(
        author=stakeholder, recommendation=recommendation, body="We need **local** production."
    )
    services.position_take(
        author=stakeholder, recommendation=recommendation, stance="oppose", reason="Too vague."
    )

    page.goto(recommendation.get_absolute_url())
    page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Sam Stakeholder").click()

    expect(page).to_have_url(re.compile(rf"/people/{stakeholder.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sam Stakeholder")
    contributions = page.get_by_role("region", name="Published contributions")
    expect(contributions.locator("#contribution-counts")).to_have_text(
        "1 comment · 0 amendments · 1 position"
    )
    listed = contributions.locator(f"#comment-{comment.pk}")
    expect(listed).to_contain_text("We need local production.")
    expect(listed).to_contain_text("Secure the supply of plant material")

    listed.get_by_role("link", name="Comment on P1-R1").click()

    expect(page).to_have_url(re.compile(rf"/comments/{comment.pk}/#comment-{comment.pk}$"))
    expect(page.locator(f"#comment-{comment.pk} .comment-body strong")).to_have_text("local")
    assert page.console_errors == []
