"""What a moderator reads before deciding: the reporter's own words, the reply rendered as its
author and readers see it (Markdown, sanitised), what it answers and where, and its author's
history, linked to their contributions and to the decisions about them. They decide with a
reason template and a note of their own. axe-core finds no accessibility violation on the
queue, the item and the log."""

from playwright.sync_api import expect

from accounts.rules import MODERATORS
from consultation import services
from moderation import services as moderation
from moderation.models import ModerationAction, ReasonTemplate
from tests.browser.signin import log_in

REPLY = "**Buy now** at our clinic: <script>alert(1)</script> [details](https://example.org/)"


def test_the_moderation_screen_shows_what_was_said_and_who_said_it(
    page, live_server, migrated_rows, make_person, with_totp, recommendation, eager, axe
):
    author = make_person("author@example.org", display_name="Ann Author")
    asker = make_person("asker@example.org", display_name="Ben Asker")
    reader = make_person("reader@example.org", display_name="Rita Reader")
    moderator = with_totp(
        make_person(
            "mod@example.org", groups=[MODERATORS], display_name="Mo Derator", is_staff=True
        )
    )
    # An earlier comment of the author's, hidden by a moderator.
    earlier = services.comment_create(author=author, recommendation=recommendation, body="Ads.")
    moderation.content_decide(
        acting_user=moderator,
        content=earlier,
        action=ModerationAction.Action.HIDE,
        reason="Advertising.",
        expected_state="published",
    )
    question = services.comment_create(
        author=asker, recommendation=recommendation, body="Where can patients get it?"
    )
    reply = services.comment_create(
        author=author, recommendation=recommendation, body=REPLY, parent=question
    )
    moderation.flag_create(
        acting_user=reader, content=reply, reason="spam", text="This is an advert, not an answer."
    )

    log_in(page, live_server, moderator)
    page.goto("/moderation/", timeout=40_000)  # the live server's first request: slow
    item = page.locator(f"#queue-comment-{reply.pk}")
    expect(item).to_contain_text("This is an advert")
    assert axe(page) == []
    item.get_by_role("link", name=f"Comment #{reply.pk}").click()

    # The reporter's own words.
    expect(page.locator(".flags .flag")).to_contain_text("“This is an advert, not an answer.”")
    expect(page.locator(".flags .flag")).to_contain_text("Rita Reader")
    # The reply as it reads on the page: Markdown rendered, the script dropped.
    text = page.locator(".moderated-text")
    expect(text.locator("strong")).to_have_text("Buy now")
    expect(text.get_by_role("link", name="details")).to_have_attribute(
        "href", "https://example.org/"
    )
    expect(text.locator("script")).to_have_count(0)
    # Its context: the comment it answers, the recommendation it is on.
    expect(page.locator(".in-reply")).to_contain_text(
        "In reply to Ben Asker: “Where can patients get it?”"
    )
    expect(page.locator(".moderated-content").get_by_role("link", name="P1-R1")).to_be_visible()
    # The author's history, linked.
    history = page.locator(".author-history")
    expect(history.locator(".history-contributions")).to_have_text("2 contributions · 1 hidden")
    expect(history.locator(".history-decisions")).to_have_text("decisions about them: hidden ×1")
    assert axe(page) == []

    # A reason template, with a note.
    page.get_by_label("Reject it").check()
    page.get_by_label("Reason", exact=True).select_option(label="Spam or advertising")
    page.get_by_label("Reason in your words (or a note after the chosen one)").fill(
        "Second advert this week."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#alerts")).to_contain_text("This comment is now rejected.")
    template = ReasonTemplate.objects.get(title="Spam or advertising")
    assert ModerationAction.objects.get(action="reject").reason == (
        f"{template.text}\n\nSecond advert this week."
    )

    # The decisions about the author, from their history.
    history.locator(".history-decisions").click()
    expect(page.locator("#log-subject")).to_be_visible()
    rows = page.locator("#moderation-log tbody tr")
    expect(rows.locator("td:nth-child(3)")).to_have_text(["Rejected", "Flagged", "Hidden"])
    expect(rows.locator("td:nth-child(5)")).to_have_text(["Ann Author"] * 3)
    assert axe(page) == []

    assert page.console_errors == []
