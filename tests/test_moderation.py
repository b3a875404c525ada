"""Moderation: pre-moderation by policy (first N contributions, everything, review terms),
what each reader sees, suspensions, flags hiding a contribution after a threshold, decisions
with reasons and the expected-state check (also under two threads on a real database),
appeals heard by another moderator, the append-only audit log and its CSV export, the decision
e-mail, bulk actions, the permission matrix of every moderation URL, and the queue's query
count at two sizes."""

import csv
import io
import threading
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from consultation import selectors as dialogue
from consultation import services as consultation_services
from consultation.models import Amendment, Comment, ModerationState, Position
from moderation import services
from moderation.admin import ModerationActionAdmin
from moderation.models import (
    Appeal,
    Flag,
    ModerationAction,
    ModerationPolicy,
    ReasonTemplate,
)
from notifications.models import Notification

# The e-mails (invitations, moderation decisions) go through the notifications task: run
# at once here, as a worker would run it.
pytestmark = pytest.mark.usefixtures("eager")

State = ModerationState
Action = ModerationAction.Action
TITLE = "Secure the supply of plant material"
BODY = "Regulators should publish clear guidance on plant material."


@pytest.fixture
def author(make_person, stakeholder_group):
    return make_person(
        "author@example.org",
        display_name="Ann Author",
        organisation="Cell Start-up",
        stakeholder_group=stakeholder_group,
        interests="Shares in a CAR-T start-up.",
    )


@pytest.fixture
def moderator2(make_person):
    return make_person(
        "moderator2@example.org", groups=["Moderators"], display_name="Max Second", is_staff=True
    )


@pytest.fixture
def flaggers(make_person):
    return [make_person(f"reader{i}@example.org", display_name=f"Reader {i}") for i in range(1, 5)]


def policy(recommendation, **fields) -> ModerationPolicy:
    return ModerationPolicy.objects.create(consultation=recommendation.consultation, **fields)


def comment(author, recommendation, body="Clear guidance is not enough.", **kwargs) -> Comment:
    return consultation_services.comment_create(
        author=author, recommendation=recommendation, body=body, **kwargs
    )


def decide(user, content, action, reason="", expected=None):
    content.refresh_from_db()
    return services.content_decide(
        acting_user=user,
        content=content,
        action=action,
        reason=reason,
        expected_state=expected or content.moderation_state,
    )


def log_of(content) -> list[tuple]:
    """The content's audit rows, oldest first: (actor's name, action, before, after)."""
    rows = ModerationAction.objects.filter(**{type(content).__name__.lower(): content})
    return [
        (row.actor_name, row.action, row.state_before, row.state_after)
        for row in rows.order_by("created_at", "pk")
    ]


# -- Pre-moderation -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_held_reply_reaches_the_parents_author_once_a_moderator_approves_it(
    author, make_person, moderator, recommendation
):
    parent_author = make_person("parent@example.org", display_name="Pat Parent")
    parent = comment(parent_author, recommendation)
    policy(recommendation, mode=ModerationPolicy.Mode.PRE_ALL)
    reply = comment(author, recommendation, body="A held reply.", parent=parent)
    replies = Notification.objects.filter(user=parent_author, kind=Notification.Kind.REPLY)
    assert reply.moderation_state == State.PENDING
    assert not replies.exists()  # nobody hears of what may never be published

    decide(moderator, reply, "approve")

    (notification,) = replies
    assert notification.url == reply.get_absolute_url()
    decide(moderator, reply, "hide", reason="Off-topic.")
    decide(moderator, reply, "restore", reason="On reflection, on topic.")
    assert replies.count() == 1  # published again: not a second notification


@pytest.mark.django_db
def test_an_edit_meets_the_policy_as_a_new_text_would(author, recommendation):
    published = comment(author, recommendation)
    policy(recommendation, review_terms="miracle cure\n")

    consultation_services.comment_edit(
        comment=published, acting_user=author, body="Clear guidance, and fewer typos."
    )
    assert published.moderation_state == State.PUBLISHED
    consultation_services.comment_edit(
        comment=published, acting_user=author, body="CAR-T is a miracle cure."
    )
    published.refresh_from_db()
    assert published.moderation_state == State.PENDING


@pytest.mark.django_db
def test_a_persons_first_n_contributions_wait_for_a_moderator(author, moderator, recommendation):
    policy(recommendation, mode=ModerationPolicy.Mode.PRE_FIRST_N, first_n=2)

    first = comment(author, recommendation, "First.")
    assert first.moderation_state == State.PENDING
    # Pending while the author has fewer than two published contributions, whatever the kind.
    second = consultation_services.amendment_propose(
        author=author,
        recommendation=recommendation,
        title=TITLE,
        body="Regulators should publish binding guidance.",
        justification="Binding.",
    )
    assert second.moderation_state == State.PENDING
    decide(moderator, first, Action.APPROVE)
    third = comment(author, recommendation, "Third.")
    assert third.moderation_state == State.PENDING  # one published: still under two
    decide(moderator, second, Action.APPROVE)
    # Two published: from now on the author's contributions publish at once.
    assert comment(author, recommendation, "Fourth.").moderation_state == State.PUBLISHED
    position = consultation_services.position_take(
        author=author, recommendation=recommendation, stance="oppose", reason="Too vague."
    )
    assert position.moderation_state == State.PUBLISHED
    # Moderators' own contributions publish at once.
    assert comment(moderator, recommendation, "Trusted.").moderation_state == State.PUBLISHED


@pytest.mark.django_db
def test_pre_moderation_of_everything_spares_bare_positions_and_moderators(
    author, moderator, recommendation
):
    policy(recommendation, mode=ModerationPolicy.Mode.PRE_ALL)
    assert comment(author, recommendation).moderation_state == State.PENDING
    # An endorsement without a reason has no text to moderate.
    bare = consultation_services.position_take(
        author=author, recommendation=recommendation, stance="endorse"
    )
    assert bare.moderation_state == State.PUBLISHED
    with_reason = consultation_services.position_take(
        author=author, recommendation=recommendation, stance="oppose", reason="Too vague."
    )
    assert with_reason.moderation_state == State.PENDING
    assert comment(moderator, recommendation).moderation_state == State.PUBLISHED


@pytest.mark.django_db
def test_a_review_term_holds_a_contribution_whatever_the_mode(author, recommendation):
    policy(recommendation, review_terms="miracle cure\ncure-all\n")
    held = comment(author, recommendation, "This is a MIRACLE Cure, buy it.")
    assert held.moderation_state == State.PENDING
    assert comment(author, recommendation, "A cure-all it is not.").moderation_state == "pending"
    # Whole words only: "secure" does not contain the term "cure-all", nor "cures" "cure".
    assert comment(author, recommendation, "Secure the supply.").moderation_state == "published"


@pytest.mark.django_db
def test_a_hidden_positions_reason_rewritten_waits_and_an_unchanged_one_stays_hidden(
    author, moderator, recommendation
):
    position = consultation_services.position_take(
        author=author, recommendation=recommendation, stance="oppose", reason="Rude words."
    )
    decide(moderator, position, Action.HIDE, reason="Personal attack.")
    again = consultation_services.position_take(
        author=author, recommendation=recommendation, stance="reservations", reason="Rude words."
    )
    assert again.moderation_state == State.HIDDEN  # the same text: still hidden
    rewritten = consultation_services.position_take(
        author=author, recommendation=recommendation, stance="oppose", reason="Too vague."
    )
    assert rewritten.moderation_state == State.PENDING  # a moderator looks at the new text


# -- What each reader sees ------------------------------------------------------------------


@pytest.mark.django_db
def test_readers_see_the_published_authors_their_own_and_moderators_everything(
    client, author, stakeholder, moderator, with_totp, recommendation
):
    policy(recommendation, mode=ModerationPolicy.Mode.PRE_ALL)
    pending = comment(author, recommendation, "Awaiting words.")
    position = consultation_services.position_take(
        author=author, recommendation=recommendation, stance="oppose", reason="Pending reason."
    )
    comment(moderator, recommendation, "Published words.")

    def page(user=None):
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(recommendation.get_absolute_url())
        assert response.status_code == 200
        return response.content.decode()

    html = page()
    assert "Published words." in html
    assert "Awaiting words." not in html and "Pending reason." not in html
    assert "0 positions" in html  # the totals are the public's
    assert "Awaiting words." not in page(stakeholder)
    mine = page(author)
    assert "Awaiting words." in mine and "Pending reason." in mine
    assert mine.count("awaiting moderation") == 2
    html = page(with_totp(moderator))
    assert "Awaiting words." in html and "Pending reason." in html

    # Hidden: gone for the public, marked for its author.
    decide(moderator, pending, Action.APPROVE)
    decide(moderator, pending, Action.HIDE, reason="Off topic.")
    assert "Awaiting words." not in page(stakeholder)
    mine = page(author)
    assert "Awaiting words." in mine and ">hidden<" in mine
    # The selectors say the same without a page: to the public it is a placeholder.
    public = dialogue.comment_thread_page(recommendation=recommendation).object_list
    assert [c.text_shown for c in public if c == pending] == [False]
    assert "Hidden by the moderators" in page()  # no report: no category to name
    assert (
        pending
        in dialogue.comment_thread_page(recommendation=recommendation, viewer=author).object_list
    )
    assert position in dialogue.position_page(recommendation=recommendation, viewer=moderator)


@pytest.mark.django_db
def test_a_hidden_reply_and_its_thread_and_the_permalink(
    author, stakeholder, moderator, recommendation
):
    root = comment(author, recommendation, "Root.")
    reply = comment(stakeholder, recommendation, "Reply.", parent=root)
    decide(moderator, reply, Action.HIDE, reason="Personal data.")
    # The hidden reply stays in its place as a placeholder; the public count leaves it out.
    thread = dialogue.comment_thread_of(comment=root)
    assert thread.children == [reply] and not thread.children[0].text_shown
    assert (
        dialogue.comment_thread_page(recommendation=recommendation).object_list[0].reply_count == 0
    )
    assert dialogue.comment_thread_of(comment=root, viewer=stakeholder).children[0].text_shown
    # Hiding the thread's first comment leaves the thread, and its replies, reachable.
    decide(moderator, root, Action.HIDE, reason="Off topic.")
    assert dialogue.comment_thread_of(comment=reply) == root


@pytest.mark.django_db
def test_a_pending_amendment_reads_to_its_author_and_not_to_others(
    client, author, stakeholder, recommendation
):
    policy(recommendation, mode=ModerationPolicy.Mode.PRE_ALL)
    client.force_login(author)
    response = client.post(
        reverse("consultation:amendment_propose", args=["demo", "P1-R1"]),
        {"title": TITLE, "body": "Binding guidance.", "justification": "Binding.", "base": "1"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Your amendment awaits moderation" in response.content.decode()
    assert "awaiting moderation" in response.content.decode()
    amendment = Amendment.objects.get()
    client.force_login(stakeholder)
    url = reverse("consultation:amendment", args=["demo", "P1-R1", amendment.pk])
    assert client.get(url).status_code == 404


# -- Suspensions ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_suspended_person_is_refused_with_a_clear_message(
    client, author, moderator, recommendation
):
    own = comment(author, recommendation)
    until = timezone.now() + timedelta(days=10)
    row = services.author_suspend(
        acting_user=moderator, content=own, reason="Repeated attacks.", until=until
    )
    author.refresh_from_db()
    assert author.suspended_until == until and row.suspended_until == until
    day = timezone.localtime(until)
    expected = f"Your account is suspended until {day:%d %B %Y}: you can read"
    with pytest.raises(consultation_services.ContributionRefused, match=expected):
        comment(author, recommendation)
    client.force_login(author)
    response = client.post(
        reverse("consultation:position_take", args=["demo", "P1-R1"]),
        {"stance": "endorse"},
        follow=True,
    )
    assert expected in response.content.decode()
    assert not Position.objects.exists()
    assert Notification.objects.get(user=author, kind="decision").message.startswith(
        f"Your account is suspended until {day:%d %B %Y}. Reason: Repeated attacks."
    )

    # For good: no end date in the words.
    services.author_suspend(acting_user=moderator, content=own, reason="Spam.", for_good=True)
    author.refresh_from_db()
    with pytest.raises(consultation_services.ContributionRefused) as refused:
        comment(author, recommendation)
    assert str(refused.value) == (
        "Your account is suspended: you can read the consultation but not contribute."
    )
    # Flagging is contributing too.
    other = comment(moderator, recommendation)
    with pytest.raises(services.ModerationRefused, match="suspended"):
        services.flag_create(acting_user=author, content=other, reason="spam")


@pytest.mark.django_db
def test_a_suspension_needs_a_future_end_or_for_good_and_spares_moderators(
    author, moderator, moderator2, recommendation
):
    own = comment(author, recommendation)
    with pytest.raises(ValidationError, match="date"):
        services.author_suspend(acting_user=moderator, content=own, reason="Spam.")
    with pytest.raises(ValidationError, match="future"):
        services.author_suspend(
            acting_user=moderator,
            content=own,
            reason="Spam.",
            until=timezone.now() - timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="reason"):
        services.author_suspend(acting_user=moderator, content=own, reason="", for_good=True)
    theirs = comment(moderator2, recommendation)
    with pytest.raises(services.ModerationRefused):
        services.author_suspend(acting_user=moderator, content=theirs, reason="x", for_good=True)
    assert not ModerationAction.objects.filter(action=Action.SUSPEND).exists()


# -- Flags ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=False)
def test_flags_from_three_people_hide_until_a_moderator_reviews(
    author, flaggers, recommendation, django_capture_on_commit_callbacks
):
    target = comment(author, recommendation, "Buy our product.")
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_create(acting_user=flaggers[0], content=target, reason="spam")
        services.flag_create(
            acting_user=flaggers[1], content=target, reason="other", text="An advert."
        )
    target.refresh_from_db()
    assert target.moderation_state == State.PUBLISHED  # two people: still public
    assert mail.outbox == []

    # The same person twice is one report.
    with pytest.raises(ValidationError, match="already reported"):
        services.flag_create(acting_user=flaggers[0], content=target, reason="offensive")

    with django_capture_on_commit_callbacks(execute=True):
        services.flag_create(acting_user=flaggers[2], content=target, reason="spam")
    target.refresh_from_db()
    assert target.moderation_state == State.HIDDEN
    assert log_of(target) == [
        ("Reader 1", "flag", "published", "published"),
        ("Reader 2", "flag", "published", "published"),
        ("Reader 3", "flag", "published", "published"),
        ("The system", "auto_hide", "published", "hidden"),
    ]
    hidden = ModerationAction.objects.get(action=Action.AUTO_HIDE)
    assert hidden.actor is None and hidden.subject_user == author
    assert hidden.reason.startswith("Reported by 3 different people")
    notification = Notification.objects.get(user=author)
    assert notification.kind == Notification.Kind.DECISION
    assert "hidden after reports" in notification.message
    assert notification.url == reverse("moderation:decision", args=[hidden.pk])
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["author@example.org"]
    # Hidden content takes no more reports (the moderators have it).
    with pytest.raises(services.ModerationRefused, match="not public"):
        services.flag_create(acting_user=flaggers[3], content=target, reason="spam")


@pytest.mark.django_db
def test_flag_rules_text_for_other_own_content_and_the_policy_threshold(
    author, flaggers, recommendation
):
    policy(recommendation, flag_threshold=2)
    target = comment(author, recommendation)
    with pytest.raises(ValidationError, match="Say what"):
        services.flag_create(acting_user=flaggers[0], content=target, reason="other", text=" ")
    with pytest.raises(ValidationError):
        services.flag_create(acting_user=flaggers[0], content=target, reason="boring")
    with pytest.raises(services.ModerationRefused, match="your own"):
        services.flag_create(acting_user=author, content=target, reason="spam")
    assert not Flag.objects.exists() and not ModerationAction.objects.exists()
    services.flag_create(acting_user=flaggers[0], content=target, reason="personal_data")
    services.flag_create(acting_user=flaggers[1], content=target, reason="undeclared_conflict")
    target.refresh_from_db()
    assert target.moderation_state == State.HIDDEN


@pytest.mark.django_db
def test_dismissed_reports_no_longer_count_and_restoring_dismisses_them(
    author, flaggers, moderator, recommendation
):
    policy(recommendation, flag_threshold=2)
    target = comment(author, recommendation)
    services.flag_create(acting_user=flaggers[0], content=target, reason="spam")
    decide(moderator, target, Action.DISMISS_FLAGS, reason="Within the rules.")
    assert Flag.objects.get().resolution == Flag.Resolution.DISMISSED
    services.flag_create(acting_user=flaggers[1], content=target, reason="spam")
    target.refresh_from_db()
    assert target.moderation_state == State.PUBLISHED  # one open report, not two
    decide(moderator, target, Action.DISMISS_FLAGS)
    with pytest.raises(services.AlreadyDecided):
        decide(moderator, target, Action.DISMISS_FLAGS)  # none left: someone dealt with them
    services.flag_create(acting_user=flaggers[2], content=target, reason="spam")
    services.flag_create(acting_user=flaggers[3], content=target, reason="spam")
    target.refresh_from_db()
    assert target.moderation_state == State.HIDDEN
    decide(moderator, target, Action.RESTORE, reason="Reviewed: within the rules.")
    assert not Flag.objects.filter(resolved_at=None).exists()
    assert set(Flag.objects.values_list("resolution", flat=True)) == {"dismissed"}


# -- Decisions, appeals, the audit log ------------------------------------------------------


@pytest.mark.django_db
def test_decisions_take_a_reason_check_the_state_and_say_who_decided_first(
    author, moderator, moderator2, recommendation
):
    policy(recommendation, mode=ModerationPolicy.Mode.PRE_ALL)
    target = comment(author, recommendation)
    with pytest.raises(ValidationError, match="Give a reason"):
        services.content_decide(
            acting_user=moderator, content=target, action="reject", expected_state="pending"
        )
    with pytest.raises(ValidationError, match="cannot be"):
        services.content_decide(
            acting_user=moderator,
            content=target,
            action="restore",
            reason="x",
            expected_state="pending",
        )
    services.content_decide(
        acting_user=moderator, content=target, action="approve", expected_state="pending"
    )
    with pytest.raises(services.AlreadyDecided, match=r"Already decided by Mo Derator \(approved"):
        services.content_decide(
            acting_user=moderator2,
            content=target,
            action="reject",
            reason="Spam.",
            expected_state="pending",
        )
    assert log_of(target) == [("Mo Derator", "approve", "pending", "published")]
    # Nobody moderates their own contribution.
    theirs = comment(moderator2, recommendation)
    with pytest.raises(services.ModerationRefused, match="another moderator"):
        decide(moderator2, theirs, Action.HIDE, reason="x")


@pytest.mark.django_db
def test_reason_templates_compose_with_a_note(client, author, moderator, with_totp, recommendation):
    template = ReasonTemplate.objects.create(
        title="Off topic", text="It is not about this recommendation.", actions=["hide"]
    )
    target = comment(author, recommendation)
    client.force_login(with_totp(moderator))
    response = client.post(
        reverse("moderation:decide", args=["comment", target.pk]),
        {
            "action": "hide",
            "expected_state": "published",
            "reason_template": template.pk,
            "reason": "See the rules.",
        },
    )
    assert response.status_code == 302
    row = ModerationAction.objects.get(action=Action.HIDE)
    assert row.reason == "It is not about this recommendation.\n\nSee the rules."
    # No reason at all: the form comes back with the choice kept and the error said.
    target2 = comment(author, recommendation, "Second.")
    response = client.post(
        reverse("moderation:decide", args=["comment", target2.pk]),
        {"action": "reject", "expected_state": "published", "reason": ""},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Give a reason" in html and 'value="reject" checked' in html


@pytest.mark.django_db
def test_the_api_takes_the_same_reason_templates(author, moderator, with_totp, recommendation):
    """One set of templates, composed the same way (reason_compose) by the web and the API."""
    template = ReasonTemplate.objects.create(
        title="Off topic", text="It is not about this recommendation.", actions=["hide"]
    )
    target = comment(author, recommendation)
    api = APIClient()
    api.force_authenticate(with_totp(moderator))
    decision = {"kind": "comment", "id": target.pk, "action": "hide"}
    decision |= {"expected_state": "published", "reason_template": template.pk}
    response = api.post("/api/moderation/actions/", {**decision, "reason": "See the rules."})
    assert response.status_code == 201, response.content
    assert response.json()["reason"] == "It is not about this recommendation.\n\nSee the rules."
    template.active = False
    template.save()
    retired = api.post("/api/moderation/actions/", {**decision, "expected_state": "hidden"})
    assert retired.status_code == 400 and "reason_template" in retired.content.decode()


@pytest.mark.django_db
def test_the_item_page_links_the_authors_history(
    client, author, moderator, with_totp, recommendation, make_person
):
    """Their contributions (their public page) and the decisions about them (the log, filtered
    to them)."""
    earlier = comment(author, recommendation, "Earlier.")
    decide(moderator, earlier, Action.HIDE, reason="Off topic.")
    other = comment(author, recommendation, "Another one.")
    bystander = comment(make_person("else@example.org"), recommendation, "Not theirs.")
    decide(with_totp(moderator), bystander, Action.HIDE, reason="Unrelated.")
    client.force_login(moderator)
    html = client.get(reverse("moderation:item", args=["comment", other.pk])).content.decode()
    person = reverse("accounts:person", args=[author.pk])
    assert f'href="{person}" class="history-contributions">2 contributions · 1 hidden<' in html
    log = f"{reverse('moderation:log')}?subject={author.pk}"
    assert f'href="{log}" class="history-decisions">decisions about them: hidden ×1<' in html
    rows = client.get(log)
    assert [r.reason for r in rows.context["page"]] == ["Off topic."]
    assert f'name="subject" value="{author.pk}"' in rows.content.decode()


@pytest.mark.django_db
def test_the_second_moderator_sees_already_decided_by_the_first(
    client, author, moderator, moderator2, with_totp, recommendation
):
    policy(recommendation, mode=ModerationPolicy.Mode.PRE_ALL)
    target = comment(author, recommendation)
    url = reverse("moderation:decide", args=["comment", target.pk])
    form = {"action": "approve", "expected_state": "pending"}
    client.force_login(with_totp(moderator))
    assert client.post(url, form).status_code == 302
    client.force_login(with_totp(moderator2))
    response = client.post(url, {**form, "action": "reject", "reason": "Spam."}, follow=True)
    assert "Already decided by Mo Derator (approved" in response.content.decode()
    target.refresh_from_db()
    assert target.moderation_state == State.PUBLISHED
    assert ModerationAction.objects.count() == 1


@pytest.mark.django_db
def test_appeal_once_heard_by_another_moderator_whose_decision_is_final(
    author, moderator, moderator2, recommendation, django_capture_on_commit_callbacks
):
    target = comment(author, recommendation, "My view.")
    with django_capture_on_commit_callbacks(execute=True):
        rejection = decide(moderator, target, Action.REJECT, reason="Off topic.")
    assert Notification.objects.get(user=author).message == (
        f"Your comment #{target.pk} on P1-R1 was rejected by a moderator. Reason: Off topic. "
        "You may appeal once."
    )
    message = mail.outbox[-1]
    assert message.subject == "[Plant to patient] A moderator's decision on your comment"
    assert "Off topic." in message.body and "appeal it once" in message.body
    link = f"http://127.0.0.1:8000{reverse('moderation:decision', args=[rejection.pk])}"
    assert link in message.body
    html = message.alternatives[0][0]
    assert f'href="{link}"' in html

    # Only the author appeals, and once.
    with pytest.raises(services.ModerationRefused):
        services.appeal_create(acting_user=moderator2, decision=rejection, text="Hm.")
    with pytest.raises(ValidationError, match="Say why"):
        services.appeal_create(acting_user=author, decision=rejection, text="  ")
    appeal = services.appeal_create(acting_user=author, decision=rejection, text="On topic.")
    with pytest.raises(ValidationError, match="once"):
        services.appeal_create(acting_user=author, decision=rejection, text="Again.")

    # The moderator who decided may not hear it; another does, and that is final.
    with pytest.raises(services.ModerationRefused, match="another moderator must hear it"):
        services.appeal_decide(
            acting_user=moderator, appeal=appeal, outcome="overturn", reason="I erred."
        )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.appeal_decide(
            acting_user=moderator2, appeal=appeal, outcome="overturn", reason="It is on topic."
        )
    target.refresh_from_db()
    assert target.moderation_state == State.PUBLISHED
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.OVERTURNED and appeal.decided_by == moderator2
    assert not outcome.is_appealable
    assert not author.has_perm("moderation.appeal", outcome)
    with pytest.raises(services.ModerationRefused, match="final"):
        services.appeal_create(acting_user=author, decision=outcome, text="More.")
    with pytest.raises(services.AlreadyDecided, match="Already decided by Max Second"):
        services.appeal_decide(acting_user=moderator2, appeal=appeal, outcome="uphold", reason="x")
    appeal_note = Notification.objects.filter(user=author, kind=Notification.Kind.APPEAL).get()
    assert "overturned" in appeal_note.message and "final" in appeal_note.message
    assert mail.outbox[-1].subject == "[Plant to patient] The outcome of your appeal"
    assert log_of(target) == [
        ("Mo Derator", "reject", "published", "rejected"),
        ("Ann Author", "appeal", "rejected", "rejected"),
        ("Max Second", "overturn", "rejected", "published"),
    ]


@pytest.mark.django_db
def test_overturning_a_suspension_lifts_it_and_upholding_changes_nothing(
    author, moderator, moderator2, recommendation
):
    target = comment(author, recommendation)
    suspension = services.author_suspend(
        acting_user=moderator, content=target, reason="Spam.", for_good=True
    )
    appeal = services.appeal_create(acting_user=author, decision=suspension, text="Not spam.")
    services.appeal_decide(acting_user=moderator2, appeal=appeal, outcome="overturn", reason="Ok.")
    author.refresh_from_db()
    assert author.suspended_until is None and not author.is_suspended

    warning = services.author_warn(acting_user=moderator, content=target, reason="Mind the tone.")
    appeal = services.appeal_create(acting_user=author, decision=warning, text="My tone was fine.")
    services.appeal_decide(acting_user=moderator2, appeal=appeal, outcome="uphold", reason="No.")
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.UPHELD
    assert Notification.objects.filter(user=author, kind="appeal").count() == 2


@pytest.mark.django_db
def test_the_audit_log_is_append_only(author, moderator, recommendation, admin_user):
    target = comment(author, recommendation)
    row = decide(moderator, target, Action.HIDE, reason="Off topic.")
    with pytest.raises(TypeError, match="append-only"):
        row.reason = "Changed."
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        ModerationAction.objects.filter(pk=row.pk).update(reason="Changed.")
    with pytest.raises(TypeError):
        ModerationAction.objects.all().delete()
    assert ModerationAction.objects.get().reason == "Off topic."
    # The admin shows it, never changes it.
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    admin = ModerationActionAdmin(ModerationAction, admin_site)
    assert admin.has_view_permission(request, row)
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, row)
    assert not admin.has_delete_permission(request, row)
    # A contribution deleted later leaves its rows, with their label.
    Comment.objects.filter(pk=target.pk).delete()
    row = ModerationAction.objects.get()
    assert row.comment_id is None and row.content_label == f"comment #{target.pk} on P1-R1"


@pytest.mark.django_db
def test_the_log_page_filters_and_exports_csv(
    client, author, flaggers, moderator, moderator2, with_totp, recommendation
):
    first = comment(author, recommendation, "First.")
    second = comment(author, recommendation, "=HYPERLINK(1)")
    services.flag_create(acting_user=flaggers[0], content=first, reason="spam")
    decide(moderator, first, Action.HIDE, reason="Off topic.")
    decide(moderator2, second, Action.REJECT, reason="=cmd|' /C calc'!A0")
    client.force_login(with_totp(moderator))
    url = reverse("moderation:log")
    html = client.get(url).content.decode()
    assert html.count('class="log-row') == 3
    html = client.get(url, {"action": "reject"}).content.decode()
    assert html.count('class="log-row') == 1 and "Max Second" in html
    html = client.get(url, {"actor": moderator.pk}).content.decode()
    assert html.count('class="log-row') == 1 and "action-hide" in html
    html = client.get(url, {"consultation": "demo", "kind": "amendment"}).content.decode()
    assert html.count('class="log-row') == 0
    response = client.get(url, {"format": "csv", "action": "reject"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "when", "actor", "action"]
    assert len(rows) == 2
    assert rows[1][2:5] == ["Max Second", "Rejected", f"comment #{second.pk} on P1-R1"]
    assert rows[1][7:] == ["published", "rejected", "'=cmd|' /C calc'!A0"]  # no formula


@pytest.mark.django_db
def test_bulk_actions_report_what_someone_else_decided(
    client, author, moderator, moderator2, with_totp, recommendation
):
    policy(recommendation, mode=ModerationPolicy.Mode.PRE_ALL)
    a, b, c = (comment(author, recommendation, f"Comment {n}.") for n in range(3))
    decide(moderator2, c, Action.REJECT, reason="Spam.")
    client.force_login(with_totp(moderator))
    response = client.post(
        reverse("moderation:bulk"),
        {
            "items": [f"comment:{x.pk}:pending" for x in (a, b, c)],
            "action": "approve",
            "reason": "",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "done for 2 items" in html
    assert f"comment #{c.pk}: Already decided by Max Second (rejected" in html
    assert [x.moderation_state for x in Comment.objects.order_by("pk")] == [
        "published",
        "published",
        "rejected",
    ]
    response = client.post(reverse("moderation:bulk"), {"action": "approve"}, follow=True)
    assert "Tick the items to act on." in response.content.decode()


@pytest.mark.django_db
def test_the_queue_shows_context_filters_and_sorts(
    client, author, flaggers, moderator, with_totp, recommendation
):
    policy(recommendation, mode=ModerationPolicy.Mode.PRE_FIRST_N, first_n=1)
    root = comment(moderator, recommendation, "Start of the thread.")
    pending = comment(author, recommendation, "Pending reply.", parent=root)
    reported = comment(flaggers[3], recommendation, "Reported words.")
    decide(moderator, reported, Action.APPROVE)
    services.flag_create(acting_user=flaggers[0], content=reported, reason="off_topic")
    services.flag_create(acting_user=flaggers[1], content=reported, reason="off_topic")
    client.force_login(with_totp(moderator))
    url = reverse("moderation:queue")
    html = client.get(url).content.decode()
    # Most reported first, with the reasons, the reporters and the author's context.
    assert html.index("Reported words.") < html.index("Pending reply.")
    assert "Off topic ×2" in html and "Reader 1, Reader 2" in html
    assert "Shares in a CAR-T start-up." in html  # the author's declared interests
    assert "In reply to Mo Derator" in html
    assert "1 contribution · 1 awaiting moderation" in html
    html = client.get(url, {"sort": "newest"}).content.decode()
    assert html.index("Pending reply.") > html.index("Reported words.")
    html = client.get(url, {"state": "pending"}).content.decode()
    assert "Pending reply." in html and "Reported words." not in html
    html = client.get(url, {"state": "flagged", "kind": "comment"}).content.decode()
    assert "Reported words." in html and "Pending reply." not in html
    html = client.get(url, {"kind": "amendment"}).content.decode()
    assert "Nothing to review here" in html
    html = client.get(url, {"consultation": "elsewhere"}).content.decode()
    assert "2 items to review" in html  # an unknown consultation filters nothing
    item = client.get(reverse("moderation:item", args=["comment", pending.pk])).content.decode()
    assert "Start of the thread." in item and 'value="pending"' in item


# -- Two moderators at once, on a real database ---------------------------------------------


# serialized_rollback: the data migrations' rows come back for the tests after this one (a
# plain transactional test would flush them, and re-create content types under new ids).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_moderators_deciding_at_once_one_wins(make_person, recommendation_factory):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] in ("", ":memory:"):
        pytest.skip("an in-memory SQLite database is not shared between threads")
    from django.contrib.auth.models import Group

    Group.objects.get_or_create(name="Moderators")
    first = make_person("one@example.org", groups=["Moderators"], display_name="One")
    second = make_person("two@example.org", groups=["Moderators"], display_name="Two")
    author = make_person("writer@example.org", display_name="Writer")
    recommendation = recommendation_factory()
    policy(recommendation, mode=ModerationPolicy.Mode.PRE_ALL)
    target = comment(author, recommendation)
    barrier = threading.Barrier(2)
    results = {}

    def act(moderator, action):
        try:
            barrier.wait(timeout=10)
            services.content_decide(
                acting_user=moderator,
                content=target,
                action=action,
                reason="Decided.",
                expected_state="pending",
            )
            results[moderator.display_name] = "won"
        except services.AlreadyDecided as exc:
            results[moderator.display_name] = str(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=(first, "approve")),
        threading.Thread(target=act, args=(second, "reject")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["One", "Two"]
    winners = [name for name, result in results.items() if result == "won"]
    assert len(winners) == 1, results
    loser = "Two" if winners == ["One"] else "One"
    assert results[loser].startswith(f"Already decided by {winners[0]} (")
    assert ModerationAction.objects.count() == 1
    target.refresh_from_db()
    assert target.moderation_state == ("published" if winners == ["One"] else "rejected")


# -- Permissions ----------------------------------------------------------------------------


@pytest.fixture
def scene(author, moderator2, flaggers, recommendation):
    """A pending comment, a published one to report, a decision by moderator2 on the author's
    comment with an open appeal, and another decision not yet appealed."""
    policy(recommendation, flag_threshold=10)
    published = comment(author, recommendation, "Published.")
    pending = comment(author, recommendation, "Pending.")
    Comment.objects.filter(pk=pending.pk).update(moderation_state=State.PENDING)
    appealed = comment(author, recommendation, "Appealed.")
    decision = decide(moderator2, appealed, Action.REJECT, reason="Off topic.")
    appeal = services.appeal_create(acting_user=author, decision=decision, text="On topic.")
    other = comment(author, recommendation, "Other.")
    unappealed = decide(moderator2, other, Action.HIDE, reason="Off topic.")
    return {
        "published": published,
        "pending": pending,
        "appeal": appeal,
        "decision": unappealed,
    }


def _request(client, scene, name):
    """(method, url, data) for each moderation URL and action."""
    p, pending = scene["published"].pk, scene["pending"].pk
    return {
        "queue": ("get", reverse("moderation:queue"), None),
        "log": ("get", reverse("moderation:log"), None),
        "log_csv": ("get", reverse("moderation:log") + "?format=csv", None),
        "item": ("get", reverse("moderation:item", args=["comment", pending]), None),
        "approve": (
            "post",
            reverse("moderation:decide", args=["comment", pending]),
            {"action": "approve", "expected_state": "pending"},
        ),
        "warn": (
            "post",
            reverse("moderation:decide", args=["comment", pending]),
            {"action": "warn", "expected_state": "pending", "reason": "Careful."},
        ),
        "suspend": (
            "post",
            reverse("moderation:decide", args=["comment", pending]),
            {"action": "suspend", "expected_state": "pending", "reason": "Spam.", "for_good": "on"},
        ),
        "bulk": (
            "post",
            reverse("moderation:bulk"),
            {"items": [f"comment:{pending}:pending"], "action": "reject", "reason": "Spam."},
        ),
        "appeal_page": ("get", reverse("moderation:appeal", args=[scene["appeal"].pk]), None),
        "appeal_decide": (
            "post",
            reverse("moderation:appeal", args=[scene["appeal"].pk]),
            {"outcome": "uphold", "reason": "It stands."},
        ),
        "decision_page": (
            "get",
            reverse("moderation:decision", args=[scene["decision"].pk]),
            None,
        ),
        "appeal_create": (
            "post",
            reverse("moderation:decision", args=[scene["decision"].pk]),
            {"text": "Please look again."},
        ),
        "report_page": ("get", reverse("moderation:report", args=["comment", p]), None),
        "report": (
            "post",
            reverse("moderation:report", args=["comment", p]),
            {"reason": "spam", "text": ""},
        ),
    }[name]


LOGIN = "login"  # a redirect to the sign-in page
# What each role gets from each URL: a status code (302 is a success's redirect).
MATRIX = {
    #               anonymous  stakeholder  author  moderator  admin
    "queue": (LOGIN, 403, 403, 200, 200),
    "log": (LOGIN, 403, 403, 200, 200),
    "log_csv": (LOGIN, 403, 403, 200, 200),
    "item": (LOGIN, 403, 403, 200, 200),
    "approve": (LOGIN, 403, 403, 302, 302),
    "warn": (LOGIN, 403, 403, 302, 302),
    "suspend": (LOGIN, 403, 403, 302, 302),
    "bulk": (LOGIN, 403, 403, 302, 302),
    "appeal_page": (LOGIN, 403, 403, 200, 200),
    "appeal_decide": (LOGIN, 403, 403, 302, 302),
    "decision_page": (LOGIN, 404, 200, 200, 200),
    "appeal_create": (LOGIN, 404, 302, 403, 403),
    "report_page": (LOGIN, 200, 403, 200, 200),
    "report": (LOGIN, 302, 403, 302, 302),
}
ROLES = ("anonymous", "stakeholder", "author", "moderator", "admin")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(MATRIX))
def test_permission_matrix(
    client, scene, stakeholder, author, moderator, consultation_admin, with_totp, role, name
):
    people = {
        "anonymous": None,
        "stakeholder": stakeholder,
        "author": author,
        "moderator": with_totp(moderator),
        "admin": with_totp(consultation_admin),
    }
    if people[role]:
        client.force_login(people[role])
    method, url, data = _request(client, scene, name)
    rows_before = ModerationAction.objects.count()
    response = getattr(client, method)(url, data or {})
    expected = MATRIX[name][ROLES.index(role)]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content.decode()[:500]
    if method == "post":
        # A refused write changes nothing; an accepted one writes its audit row.
        written = ModerationAction.objects.count() - rows_before
        assert written == (1 if expected == 302 else 0)


@pytest.mark.django_db
def test_a_moderator_without_two_factor_is_sent_to_set_it_up(client, moderator):
    client.force_login(moderator)
    response = client.get(reverse("moderation:queue"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_the_navigation_links_the_queue_for_moderators_only(
    client, stakeholder, moderator, with_totp, recommendation
):
    client.force_login(stakeholder)
    assert 'href="/moderation/"' not in client.get("/").content.decode()
    client.force_login(with_totp(moderator))
    assert 'href="/moderation/"' in client.get("/").content.decode()


# -- The queue's query count ----------------------------------------------------------------


def _queue_of(n, recommendation, make_person, moderator2):
    """n pending comments, n reported amendments, n hidden positions and n open appeals."""
    policy(recommendation, flag_threshold=2)
    reporters = [make_person(f"r{i}@example.org", display_name=f"R{i}") for i in range(2)]
    for i in range(n):
        person = make_person(f"p{n}-{i}@example.org", display_name=f"P{i}")
        pending = comment(person, recommendation, f"Pending {i}.")
        Comment.objects.filter(pk=pending.pk).update(moderation_state=State.PENDING)
        amendment = consultation_services.amendment_propose(
            author=person,
            recommendation=recommendation,
            title=f"Title {i}",
            body=f"Body {i}",
            justification="Why.",
        )
        services.flag_create(acting_user=reporters[0], content=amendment, reason="spam")
        position = consultation_services.position_take(
            author=person, recommendation=recommendation, stance="oppose", reason=f"Reason {i}"
        )
        for reporter in reporters:
            services.flag_create(acting_user=reporter, content=position, reason="offensive")
        appealed = comment(person, recommendation, f"Appealed {i}.")
        decision = decide(moderator2, appealed, Action.REJECT, reason="Spam.")
        services.appeal_create(acting_user=person, decision=decision, text="Not spam.")


@pytest.mark.django_db
@pytest.mark.parametrize("n", [2, 6])
def test_the_queue_costs_the_same_whatever_its_size(
    client,
    django_assert_num_queries,
    make_person,
    moderator,
    moderator2,
    with_totp,
    recommendation,
    n,
):
    _queue_of(n, recommendation, make_person, moderator2)
    client.force_login(with_totp(moderator))
    # 1 session, 2 user, 3 their TOTP authenticator (the middleware), 4 may they moderate,
    # 5 consultations (the filter); per kind, the reported contributions and the pending ones
    # without reports counted (up to QUEUE_LIMIT each): 6-7 comments, 8-9 amendments, 10-11
    # positions; 12 open appeals with their decisions; then each set's first rows, as far as
    # the page goes (skipped when the set is empty), the reported ranked on their open
    # reports, then read with those reports: 13 the pending comments, 14 the reported
    # amendments' ranking, 15 the amendments and 16 their reports, 17-19 the same for the
    # reported positions; 20-22 the page's authors' contributions by state (per kind), 23 the
    # decisions about them; the navigation: 24 the "Moderation" link (a moderator?), 25 the
    # "Invitations" link (an admin?), 26-27 the model permissions that question falls back on
    # (the person's, their groups'), 28 the reason templates link, 29 the policies link; 30
    # the reason templates (the bulk form); 31 the nav's consultation (kept a minute in the
    # cache, emptied for each test)
    with django_assert_num_queries(31):
        response = client.get(reverse("moderation:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="card queue-item"') == 4 * n
    assert f"{4 * n} items to review" in html
