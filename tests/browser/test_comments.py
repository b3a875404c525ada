"""A stakeholder comments on a recommendation, another replies (and replies to the reply), the
first edits and then removes their comment: with htmx, in place, the page never reloading;
then the same with JavaScript disabled, by plain form posts and redirects."""

import re

import pytest
from playwright.sync_api import expect

from accounts.rules import MODERATORS
from consultation import services
from consultation.models import Comment, CommentRevision
from tests.browser.signin import log_in


@pytest.fixture
def recommendation(migrated_rows, recommendation_factory, consultation_factory):
    return recommendation_factory(
        pillar__consultation=consultation_factory(slug="demo", title="Plant to patient"),
        reference="P1-R1",
        title="Secure the supply of plant material",
    )


@pytest.fixture
def replier(migrated_rows, make_person):
    return make_person("replier@example.org", display_name="Rita Replier", interests="Shares.")


def article(page, comment: Comment):
    return page.locator(f"#comment-{comment.pk}")


def test_comment_reply_edit_and_remove_in_place_with_htmx(
    page, live_server, migrated_rows, stakeholder, replier, recommendation
):
    log_in(page.context, live_server, stakeholder)
    page.goto(recommendation.get_absolute_url())
    # A flag on the window: a full page load would clear it, an htmx swap keeps it.
    page.evaluate("window.__samePage = true")
    comments = page.get_by_role("region", name="Comments")
    expect(comments.get_by_text("No comments yet.")).to_be_visible()

    comments.get_by_label("Your comment", exact=True).fill("We need **local** production.")
    comments.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comment-notice")).to_have_text("Your comment is published.")
    first = Comment.objects.get()
    expect(article(page, first).locator(".comment-body strong")).to_have_text("local")
    expect(article(page, first)).to_contain_text("Sam Stakeholder")
    expect(comments.get_by_label("Your comment", exact=True)).to_have_value("")

    # Another person replies, and replies to the reply: three levels.
    log_in(page.context, live_server, replier)
    page.reload()
    page.evaluate("window.__samePage = true")
    parent = first
    for level, text in enumerate(["Which sites?", "Ghent and Leuven.", "Both have room."], 1):
        box = article(page, parent)
        box.locator("summary", has_text="Reply").click()
        box.get_by_label("Your reply").fill(text)
        box.get_by_role("button", name="Post reply").click()
        expect(page.locator(".comment-body", has_text=text)).to_be_visible()
        expect(page.locator("#comment-notice")).to_have_text("Your reply is published.")
        reply = Comment.objects.get(body=text)
        assert (reply.parent_id, reply.depth) == (parent.pk, level)
        nested = page.locator(f"#comment-{parent.pk} + .comment-replies > li > #comment-{reply.pk}")
        expect(nested).to_contain_text(text)
        parent = reply
    expect(article(page, first).locator(".reply-count")).to_have_text("3 replies")
    # The replier may not edit or remove the first comment.
    expect(article(page, first).locator("summary", has_text="Edit")).to_have_count(0)

    # The author edits it: marked "edited", the earlier text kept for moderators.
    log_in(page.context, live_server, stakeholder)
    page.reload()
    page.evaluate("window.__samePage = true")
    box = article(page, first)
    box.locator("summary", has_text="Edit").click()
    expect(box.get_by_label("Your comment, edited")).to_have_value("We need **local** production.")
    box.get_by_label("Your comment, edited").fill("We need local production, soon.")
    box.get_by_role("button", name="Save changes").click()
    expect(page.locator("#comment-notice")).to_have_text("Your comment is updated.")
    expect(article(page, first).locator(".comment-body")).to_have_text(
        "We need local production, soon."
    )
    expect(article(page, first).locator(".edited")).to_have_text("edited")
    assert CommentRevision.objects.get().body == "We need **local** production."

    # ... and removes it: a tombstone, the replies stay.
    box = article(page, first)
    box.locator("summary", has_text="Delete").click()
    box.get_by_role("button", name="Remove comment").click()
    expect(page.locator("#comment-notice")).to_have_text("Your comment is removed.")
    expect(article(page, first).locator(".tombstone")).to_have_text("Comment removed")
    expect(article(page, first)).not_to_contain_text("local production")
    expect(page.get_by_text("Both have room.")).to_be_visible()
    assert Comment.objects.get(pk=first.pk).is_deleted

    # Sorting swaps the section in place too.
    Comment.objects.create(
        recommendation=recommendation, author=replier, body="Late.", body_html="<p>Late.</p>"
    )
    page.get_by_role("navigation", name="Sort comments").get_by_role("link", name="Newest").click()
    expect(page).to_have_url(re.compile(r"\?order=newest#comments$"))
    expect(page.locator(".comment-threads > li").first).to_contain_text("Late.")

    assert page.evaluate("window.__samePage") is True  # never a full page load
    assert page.console_errors == []


def test_the_same_without_javascript(
    no_js_page, live_server, migrated_rows, stakeholder, replier, recommendation
):
    page = no_js_page
    log_in(page.context, live_server, stakeholder)
    page.goto(recommendation.get_absolute_url())
    comments = page.get_by_role("region", name="Comments")
    comments.get_by_label("Your comment", exact=True).fill("Posted without JavaScript.")
    comments.get_by_role("button", name="Post comment").click()
    first = Comment.objects.get()
    expect(page).to_have_url(re.compile(rf"/recommendations/P1-R1/#comment-{first.pk}$"))
    expect(page.locator("#alerts")).to_contain_text("Your comment is published.")
    expect(article(page, first)).to_contain_text("Posted without JavaScript.")

    # <details> opens without JavaScript: reply, then edit.
    log_in(page.context, live_server, replier)
    page.goto(recommendation.get_absolute_url())
    box = article(page, first)
    box.locator("summary", has_text="Reply").click()
    box.get_by_label("Your reply").fill("A plain reply.")
    box.get_by_role("button", name="Post reply").click()
    reply = Comment.objects.get(parent=first)
    expect(page).to_have_url(re.compile(rf"#comment-{reply.pk}$"))
    expect(page.locator("#alerts")).to_contain_text("Your reply is published.")
    expect(article(page, reply)).to_contain_text("A plain reply.")

    box = article(page, reply)
    box.locator("summary", has_text="Edit").click()
    box.get_by_label("Your comment, edited").fill("A plain reply, edited.")
    box.get_by_role("button", name="Save changes").click()
    expect(article(page, reply).locator(".edited")).to_be_visible()
    expect(article(page, reply).locator(".comment-body")).to_have_text("A plain reply, edited.")

    # The permalink page shows the thread, the reply anchored; its forms post plainly too.
    article(page, reply).locator("a.permalink").click()
    expect(page).to_have_url(re.compile(rf"/comments/{reply.pk}/#comment-{reply.pk}$"))
    expect(page.locator(".comment-threads")).to_contain_text("Posted without JavaScript.")
    box = article(page, reply)
    box.locator("summary", has_text="Delete").click()
    box.get_by_role("button", name="Remove comment").click()
    expect(page).to_have_url(re.compile(rf"/comments/{reply.pk}/#comment-{reply.pk}$"))
    expect(article(page, reply).locator(".tombstone")).to_have_text("Comment removed")
    assert Comment.objects.get(pk=reply.pk).is_deleted


def test_a_moderator_hides_a_comment_and_its_reply_stays_under_a_placeholder(
    page, live_server, migrated_rows, make_person, with_totp, stakeholder, replier, recommendation
):
    moderator = with_totp(
        make_person("mod@example.org", groups=[MODERATORS], display_name="Mo D", is_staff=True)
    )
    first = services.comment_create(
        author=stakeholder, recommendation=recommendation, body="Buy our seeds today."
    )
    reply = services.comment_create(
        author=replier, recommendation=recommendation, body="Which sites?", parent=first
    )
    # A reader reports it as off topic; a moderator hides it from its page.
    log_in(page, live_server, replier)
    page.goto(recommendation.get_absolute_url())
    expect(page.locator("#comment-count")).to_have_text("1 thread of comments")
    article(page, first).get_by_role("link", name="Report this comment to the moderators").click()
    page.get_by_label("Off topic").check()
    page.get_by_role("button", name="Send the report").click()
    log_in(page, live_server, moderator)
    page.goto(f"/moderation/items/comment/{first.pk}/")
    page.get_by_label("Hide it").check()
    page.get_by_label("Reason in your words (or a note after the chosen one)").fill("An advert.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#item-state")).to_have_text("hidden")

    # Readers: the thread is still there, a placeholder in place of the comment, the reply in
    # full below it, its permalink answering.
    log_in(page, live_server, make_person("reader@example.org", display_name="Rea Der"))
    page.goto(recommendation.get_absolute_url())
    expect(page.locator("#comment-count")).to_have_text("1 thread of comments")
    expect(article(page, first)).to_contain_text("Hidden by the moderators: Off topic")
    expect(article(page, first)).not_to_contain_text("Buy our seeds")
    expect(article(page, first).locator("summary", has_text="Reply")).to_have_count(0)
    nested = page.locator(f"#comment-{first.pk} + .comment-replies > li > #comment-{reply.pk}")
    expect(nested.locator(".comment-body")).to_have_text("Which sites?")
    expect(article(page, first).locator(".reply-count")).to_have_count(0)  # the placeholder
    page.goto(reply.get_absolute_url())
    expect(article(page, reply).locator(".comment-body")).to_have_text("Which sites?")
    expect(article(page, first)).to_contain_text("Hidden by the moderators")
    assert page.console_errors == []


def test_an_anonymous_reader_shows_more_replies_in_place(
    page, live_server, stakeholder, replier, recommendation
):
    """A long thread shows its first replies; "show more" brings the next ones in place (htmx),
    then the last ones; a second reading, served from the kept fragment, shows the same."""
    first = services.comment_create(
        author=stakeholder, recommendation=recommendation, body="Where to grow it?"
    )
    for n in range(25):
        services.comment_create(
            author=replier, recommendation=recommendation, body=f"Site {n}.", parent=first
        )
    for _ in range(2):
        page.goto(recommendation.get_absolute_url())
        page.evaluate("window.__samePage = true")
        thread = page.locator(f"#comment-{first.pk} + .comment-replies")
        expect(thread.locator("article")).to_have_count(3)
        thread.get_by_role("link", name="Show 22 more replies").click()
        expect(thread.locator("article")).to_have_count(23)
        thread.get_by_role("link", name="Show 2 more replies").click()
        expect(thread.locator("article")).to_have_count(25)
        expect(thread.locator(".comment-body").last).to_have_text("Site 24.")
        expect(thread.locator(".more-replies")).to_have_count(0)
        assert page.evaluate("window.__samePage") is True
    assert page.console_errors == []
