"""Three readers report a comment and it is hidden; a moderator rejects it with a reason; its
author is notified (on the site and by e-mail) and appeals; a second moderator restores it;
the audit log shows every step."""

import re
from urllib.parse import urlsplit

from django.core import mail
from playwright.sync_api import expect

from accounts.rules import MODERATORS
from consultation import services
from consultation.models import Comment
from moderation.models import ModerationAction, ReasonTemplate
from notifications.models import Notification
from tests.browser.signin import log_in

# Fresh rate limits (the counts live in the process-wide cache).

WORDS = "Our clinic sells the same therapy cheaper: call us today."


def test_reports_hide_a_comment_rejected_then_restored_on_appeal(
    page, live_server, migrated_rows, make_person, with_totp, recommendation, eager
):
    author = make_person("author@example.org", display_name="Ann Author")
    readers = [make_person(f"r{i}@example.org", display_name=f"Reader {i}") for i in (1, 2, 3)]
    first = with_totp(
        make_person(
            "mod1@example.org", groups=[MODERATORS], display_name="Mo Derator", is_staff=True
        )
    )
    second = with_totp(
        make_person(
            "mod2@example.org", groups=[MODERATORS], display_name="Max Second", is_staff=True
        )
    )
    comment = services.comment_create(author=author, recommendation=recommendation, body=WORDS)
    article = page.locator(f"#comment-{comment.pk}")

    # Three readers report it from the recommendation's page.
    for reader in readers:
        log_in(page, live_server, reader)
        page.goto(recommendation.get_absolute_url())
        article.get_by_role("link", name="Report this comment to the moderators").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Report a comment to the moderators"
        )
        page.get_by_label("Spam or advertising").check()
        page.get_by_role("button", name="Send the report").click()
        expect(page.locator("#alerts")).to_contain_text("your report is with the moderators")

    # Hidden: others no longer read it, a placeholder names the reports' reason; its author
    # reads it marked as hidden.
    expect(article).to_contain_text("Hidden by the moderators: Spam or advertising")
    expect(article).not_to_contain_text(WORDS)
    assert Comment.objects.get().moderation_state == "hidden"
    log_in(page, live_server, author)
    page.goto(recommendation.get_absolute_url())
    expect(article.locator(".moderation-state")).to_have_text("hidden")

    # A moderator finds it in the queue, most reported first, and rejects it with a reason.
    log_in(page, live_server, first)
    page.goto("/moderation/")
    item = page.locator(f"#queue-comment-{comment.pk}")
    expect(item.locator(".flag-count")).to_have_text("3 reports")
    expect(item).to_contain_text("Spam or advertising ×3")
    item.get_by_role("link", name=f"Comment #{comment.pk}").click()
    expect(page.locator("#item-state")).to_have_text("hidden")
    page.get_by_label("Reject it").check()
    page.get_by_label("Reason", exact=True).select_option(label="Spam or advertising")
    page.get_by_label("Reason in your words (or a note after the chosen one)").fill(
        "Advertising a clinic."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#alerts")).to_contain_text("This comment is now rejected.")
    expect(page.locator("#item-state")).to_have_text("rejected")

    # The author is told, on the site and by e-mail, with a link to the decision.
    rejection = ModerationAction.objects.get(action="reject")
    notification = Notification.objects.filter(user=author, kind="decision").first()
    assert "was rejected by a moderator" in notification.message
    template = ReasonTemplate.objects.get(title="Spam or advertising")
    assert rejection.reason == f"{template.text}\n\nAdvertising a clinic."
    message = next(m for m in mail.outbox if "rejected" in m.body)
    assert message.to == ["author@example.org"]
    link = re.search(r"https?://\S+/moderation/decisions/\d+/", message.body).group(0)

    # They appeal.
    log_in(page, live_server, author)
    page.goto(urlsplit(link).path)
    expect(page.locator("#decision-action")).to_have_text("Rejected")
    expect(page.locator("#decision-reason")).to_contain_text("Advertising a clinic.")
    page.get_by_label("Why should the decision change?").fill(
        "I run a patient organisation; the price matters to patients."
    )
    page.get_by_role("button", name="Send my appeal").click()
    expect(page.locator("#alerts")).to_contain_text("Your appeal is sent")
    expect(page.locator("#appeal-status")).to_contain_text("Another moderator will look")

    # The moderator who decided may not hear the appeal.
    log_in(page, live_server, first)
    page.goto("/moderation/?state=appeals")
    page.get_by_role("link", name="Appeal by Ann Author").click()
    expect(page.get_by_text("You took the decision under appeal")).to_be_visible()
    expect(page.get_by_role("button", name="Record the final decision")).to_have_count(0)

    # A second moderator does, and restores the comment.
    log_in(page, live_server, second)
    page.goto("/moderation/?state=appeals")
    page.get_by_role("link", name="Appeal by Ann Author").click()
    page.get_by_label("Overturn the decision").check()
    page.get_by_label("Reason in your words (or a note after the chosen one)").fill(
        "A fair point about prices, not an advert."
    )
    page.get_by_role("button", name="Record the final decision").click()
    expect(page.locator("#alerts")).to_contain_text("It is final.")
    assert Comment.objects.get().moderation_state == "published"
    assert Notification.objects.filter(user=author, kind="appeal").exists()

    # Readers read it again.
    log_in(page, live_server, readers[0])
    page.goto(recommendation.get_absolute_url())
    expect(article.locator(".comment-body")).to_contain_text("call us today")

    # The audit log shows every step, newest first.
    log_in(page, live_server, second)
    page.goto("/moderation/log/")
    rows = page.locator("#moderation-log tbody tr")
    expect(rows).to_have_count(7)
    expect(rows.locator("td:nth-child(3)")).to_have_text(
        [
            "Appeal upheld: decision overturned",
            "Appealed",
            "Rejected",
            "Hidden after flags",
            "Flagged",
            "Flagged",
            "Flagged",
        ]
    )
    expect(rows.locator("td:nth-child(2)")).to_have_text(
        ["Max Second", "Ann Author", "Mo Derator", "The system", "Reader 3", "Reader 2", "Reader 1"]
    )
    expect(rows.nth(0).locator("td:nth-child(6)")).to_have_text("rejected → published")
    expect(rows.nth(3).locator("td:nth-child(6)")).to_have_text("published → hidden")

    assert page.console_errors == []
