"""Comments through their views: posting on a recommendation and on an amendment, replies
nested three levels and more, editing (the earlier text kept for moderators), removing (a
tombstone keeps the replies), who may do what, the closed consultation, rate limits, Markdown
sanitising, sorting, pages of threads, permalinks, and the query counts of the pages at two
sizes."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import StakeholderGroup, User
from consultation import selectors, services
from consultation.models import Comment, CommentRevision, Follow
from recommendations.models import Consultation

HTMX = {"HX-Request": "true"}


@pytest.fixture
def other(make_person):
    return make_person("other@example.org", display_name="Olga Other", interests="Shares in X.")


def url(name, rec, *args):
    return reverse(f"consultation:{name}", args=[rec.consultation.slug, rec.reference, *args])


def comment(author, rec, body="A comment.", **kwargs) -> Comment:
    return services.comment_create(author=author, recommendation=rec, body=body, **kwargs)


def section(html: str) -> str:
    """The comments section of a page."""
    start = html.index('<section id="comments"')
    return html[start : html.index("</section>", start)]


def thread_ids(html: str) -> list[int]:
    """The top-level comments of the section, in the order shown."""
    return [
        int(pk)
        for pk in re.findall(
            r'<li class="comment-node depth-0">\s*<article id="comment-(\d+)"', html
        )
    ]


# -- Posting and replying -------------------------------------------------------------------


@pytest.mark.django_db
def test_post_a_comment_then_replies_nest_three_levels_deep(
    client, stakeholder, other, recommendation
):
    client.force_login(stakeholder)
    response = client.post(url("comments", recommendation), {"body": "Plant *material* first."})
    first = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{recommendation.get_absolute_url()}#comment-{first.pk}"
    assert (first.author, first.amendment, first.depth) == (stakeholder, None, 0)
    assert first.body_html == "<p>Plant <em>material</em> first.</p>"
    assert Follow.objects.filter(user=stakeholder, recommendation=recommendation).exists()

    # Replies to the reply to the reply: three levels below the first comment.
    client.force_login(other)
    parent = first
    for level in (1, 2, 3):
        response = client.post(
            url("comment_reply", recommendation, parent.pk), {"body": f"L{level}"}
        )
        reply = Comment.objects.latest("pk")
        assert response.status_code == 302 and response["Location"].endswith(f"#comment-{reply.pk}")
        assert (reply.parent, reply.root, reply.depth) == (parent, first, level)
        parent = reply

    page = client.get(recommendation.get_absolute_url(), follow=True)
    html = section(page.content.decode())
    assert "Your reply is published." in page.content.decode()  # the flash message
    # Each reply sits inside its parent's list of replies.
    nested = re.search(
        r'id="comment-(\d+)".*?<ol class="plain comment-replies">.*?id="comment-(\d+)".*?'
        r'<ol class="plain comment-replies">.*?id="comment-(\d+)".*?'
        r'<ol class="plain comment-replies">.*?id="comment-(\d+)"',
        html,
        re.S,
    )
    assert nested and [int(pk) for pk in nested.groups()] == list(
        Comment.objects.order_by("pk").values_list("pk", flat=True)
    )
    assert "3 replies" in html and "depth-3" in html
    # Author, organisation, stakeholder group and declared interests.
    assert "Sam Stakeholder</a> · Patients Together · Patient organisation" in html
    assert "<summary>Declared interests</summary><p>Shares in X.</p>" in html


@pytest.mark.django_db
def test_htmx_post_answers_the_section_with_the_comment_in_view(
    client, stakeholder, recommendation
):
    client.force_login(stakeholder)
    response = client.post(url("comments", recommendation), {"body": "Hello."}, headers=HTMX)
    new = Comment.objects.get()
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="comments"')
    assert f'<article id="comment-{new.pk}"' in html and "<p>Hello.</p>" in html
    assert 'role="status" id="comment-notice">Your comment is published.' in html
    assert response["HX-Reswap"] == f"outerHTML show:#comment-{new.pk}:top"

    response = client.post(
        url("comment_reply", recommendation, new.pk), {"body": "Re."}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Your reply is published." in response.content.decode()
    assert Comment.objects.filter(parent=new).count() == 1


@pytest.mark.django_db
def test_replies_beyond_the_deepest_level_sit_beside_the_deepest(
    client, stakeholder, recommendation
):
    parent = comment(stakeholder, recommendation)
    for _ in range(services.MAX_DEPTH):
        parent = comment(stakeholder, recommendation, parent=parent)
    assert parent.depth == services.MAX_DEPTH
    client.force_login(stakeholder)
    client.post(url("comment_reply", recommendation, parent.pk), {"body": "Deeper still."})
    reply = Comment.objects.latest("pk")
    assert reply.depth == services.MAX_DEPTH and reply.parent_id == parent.parent_id


@pytest.mark.django_db
def test_comment_on_an_amendment_is_shown_on_its_page_only(
    client, stakeholder, other, recommendation
):
    amendment = services.amendment_propose(
        author=other,
        recommendation=recommendation,
        title="New title",
        body="New body",
        justification="Clearer.",
    )
    client.force_login(stakeholder)
    response = client.post(
        url("amendment_comments", recommendation, amendment.pk), {"body": "Good change."}
    )
    note = Comment.objects.get()
    assert note.amendment == amendment
    amendment_url = url("amendment", recommendation, amendment.pk)
    assert response["Location"] == f"{amendment_url}#comment-{note.pk}"

    html = client.get(amendment_url).content.decode()
    assert "Comments on amendment #" in section(html) and "Good change." in section(html)
    # A reply on the amendment's page stays in the amendment's discussion.
    client.post(url("comment_reply", recommendation, note.pk), {"body": "Agreed."}, headers=HTMX)
    assert Comment.objects.get(parent=note).amendment == amendment

    rec_html = client.get(recommendation.get_absolute_url()).content.decode()
    assert "Good change." not in section(rec_html) and "No comments yet." in section(rec_html)
    assert "2 comments" in rec_html  # the amendments list counts them

    # Another recommendation's amendment is not found under this one.
    assert (
        client.post(url("amendment_comments", recommendation, 999), {"body": "x"}).status_code
        == 404
    )


# -- Editing and removing -------------------------------------------------------------------


@pytest.mark.django_db
def test_edit_marks_edited_and_keeps_the_earlier_text_for_moderators(
    client, stakeholder, other, moderator, recommendation
):
    mine = comment(stakeholder, recommendation, "First thoughts.")
    client.force_login(stakeholder)
    response = client.post(
        url("comment_edit", recommendation, mine.pk), {"body": "Second thoughts."}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{mine.pk}")
    mine.refresh_from_db()
    assert mine.body == "Second thoughts." and mine.edited_at is not None
    assert list(CommentRevision.objects.values_list("body", flat=True)) == ["First thoughts."]

    html = section(client.get(recommendation.get_absolute_url()).content.decode())
    assert "Second thoughts." in html and "First thoughts." not in html
    assert 'class="edited"' in html
    revisions = url("comment_revisions", recommendation, mine.pk)
    assert revisions not in html  # not a moderator

    # Only moderators read earlier texts.
    assert client.get(revisions).status_code == 403
    client.logout()
    assert client.get(revisions).status_code == 302  # to sign in
    client.force_login(moderator)
    assert revisions in client.get(recommendation.get_absolute_url()).content.decode()
    html = client.get(revisions).content.decode()
    assert "First thoughts." in html and "Second thoughts." in html

    # The form is refused with an empty text, keeping nothing lost (htmx: in the section).
    client.force_login(stakeholder)
    response = client.post(
        url("comment_edit", recommendation, mine.pk), {"body": "  "}, headers=HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="edit-{mine.pk}-error">This field is required.' in html
    assert '<details class="comment-action edit" open>' in html


@pytest.mark.django_db
def test_delete_leaves_a_tombstone_that_keeps_the_replies(
    client, stakeholder, other, recommendation
):
    mine = comment(stakeholder, recommendation, "Regrettable words.")
    reply = comment(other, recommendation, "A reply that stays.", parent=mine)
    client.force_login(stakeholder)
    response = client.post(url("comment_delete", recommendation, mine.pk), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Regrettable words." not in html and "Comment removed" in html
    assert "A reply that stays." in html
    mine.refresh_from_db()
    assert mine.is_deleted and mine.body == "" and Comment.objects.filter(pk=reply.pk).exists()
    # The removed comment offers no reply, edit or delete any more.
    article = html[
        html.index(f'<article id="comment-{mine.pk}"') : html.index(
            f'<article id="comment-{reply.pk}"'
        )
    ]
    assert "Sam Stakeholder" not in article and "<details" not in article

    # A removed comment takes no reply, and cannot be removed twice.
    client.force_login(other)
    response = client.post(url("comment_reply", recommendation, mine.pk), {"body": "Hm."})
    assert response.status_code == 302
    assert "it takes no replies" in client.get(response["Location"]).content.decode()
    client.force_login(stakeholder)
    assert (
        client.post(url("comment_delete", recommendation, mine.pk), headers=HTMX).status_code == 403
    )
    assert Comment.objects.count() == 2


# -- Who may do what ------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_read_but_are_sent_to_sign_in(client, stakeholder, recommendation):
    mine = comment(stakeholder, recommendation, "Readable by all.")
    html = section(client.get(recommendation.get_absolute_url()).content.decode())
    assert "Readable by all." in html
    assert "Sign in to take part." in html and "<form" not in html

    response = client.post(url("comments", recommendation), {"body": "Anon."})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(url("comments", recommendation), {"body": "Anon."}, headers=HTMX)
    assert response.status_code == 403 and "Sign in to take part." in response.content.decode()
    for name in ("comment_reply", "comment_edit", "comment_delete"):
        response = client.post(url(name, recommendation, mine.pk), {"body": "Anon."})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Comment.objects.count() == 1 and Comment.objects.get().body == "Readable by all."


@pytest.mark.django_db
def test_unverified_and_undeclared_people_are_refused(client, make_person, recommendation):
    client.force_login(make_person("unverified@example.org", verified=False))
    html = section(client.get(recommendation.get_absolute_url()).content.decode())
    assert "Verify your e-mail address first" in html and "<form" not in html
    response = client.post(url("comments", recommendation), {"body": "Hi."}, headers=HTMX)
    assert response.status_code == 403
    assert "Verify your e-mail address first" in response.content.decode()
    assert response["HX-Retarget"] == "#alerts"

    client.force_login(make_person("undeclared@example.org", declared=False))
    response = client.post(url("comments", recommendation), {"body": "Hi."}, follow=True)
    assert "Declare your interests" in response.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_only_the_author_edits_or_removes(client, stakeholder, other, recommendation):
    mine = comment(stakeholder, recommendation, "Mine.")
    client.force_login(other)
    html = section(client.get(recommendation.get_absolute_url()).content.decode())
    assert f'id="reply-{mine.pk}-form"' in html
    assert f'id="edit-{mine.pk}-form"' not in html and f'id="delete-{mine.pk}-form"' not in html

    response = client.post(
        url("comment_edit", recommendation, mine.pk), {"body": "Hijacked."}, headers=HTMX
    )
    assert response.status_code == 403
    assert "Only its author can edit this comment" in response.content.decode()
    response = client.post(url("comment_delete", recommendation, mine.pk), follow=True)
    assert "Only its author can remove this comment" in response.content.decode()
    mine.refresh_from_db()
    assert (mine.body, mine.edited_at, mine.deleted_at) == ("Mine.", None, None)
    assert not CommentRevision.objects.exists()


@pytest.mark.django_db
def test_a_closed_consultation_is_read_only(client, stakeholder, recommendation):
    mine = comment(stakeholder, recommendation, "Said while open.")
    Consultation.objects.update(state=Consultation.State.CLOSED)
    client.force_login(stakeholder)
    html = section(client.get(recommendation.get_absolute_url()).content.decode())
    assert "This consultation is closed to contributions" in html
    assert (
        "Said while open." in html
        and "<form" not in html
        and '<details class="comment-action' not in html
    )

    for name, args, data in [
        ("comments", (), {"body": "Late."}),
        ("comment_reply", (mine.pk,), {"body": "Late."}),
        ("comment_edit", (mine.pk,), {"body": "Late."}),
        ("comment_delete", (mine.pk,), {}),
    ]:
        response = client.post(url(name, recommendation, *args), data, headers=HTMX)
        assert response.status_code == 403, name
        assert "closed to contributions" in response.content.decode()
    mine.refresh_from_db()
    assert Comment.objects.count() == 1 and mine.body == "Said while open." and not mine.deleted_at


@pytest.mark.django_db
def test_a_comment_of_another_recommendation_is_not_found(
    client, stakeholder, recommendation, recommendation_factory
):
    elsewhere = recommendation_factory(pillar=recommendation.pillar, reference="P1-R2")
    theirs = comment(stakeholder, elsewhere)
    client.force_login(stakeholder)
    assert client.get(url("comment", recommendation, theirs.pk)).status_code == 404
    assert (
        client.post(url("comment_reply", recommendation, theirs.pk), {"body": "x"}).status_code
        == 404
    )
    assert (
        client.post(url("comment_edit", recommendation, theirs.pk), {"body": "x"}).status_code
        == 404
    )


@pytest.mark.django_db
def test_a_comment_awaiting_moderation_shows_to_its_author_only(
    client, stakeholder, other, moderator, recommendation
):
    from moderation.models import ModerationPolicy

    ModerationPolicy.objects.create(
        consultation=recommendation.consultation, mode=ModerationPolicy.Mode.PRE_ALL
    )
    client.force_login(stakeholder)
    response = client.post(url("comments", recommendation), {"body": "Held back."}, headers=HTMX)
    held = Comment.objects.get()
    assert held.moderation_state == "pending"
    html = response.content.decode()
    assert "Your comment awaits moderation" in html and "Held back." in html

    client.force_login(other)
    assert "Held back." not in section(
        client.get(recommendation.get_absolute_url()).content.decode()
    )
    assert client.get(url("comment", recommendation, held.pk)).status_code == 404
    assert (
        client.post(url("comment_reply", recommendation, held.pk), {"body": "x"}).status_code == 404
    )
    client.force_login(moderator)
    assert "Held back." in client.get(url("comment", recommendation, held.pk)).content.decode()


def _held(state, author, rec, body, **kwargs) -> Comment:
    """A comment awaiting a moderator (pre-moderation of everything) or hidden by one."""
    from moderation import services as moderation_services
    from moderation.models import ModerationAction, ModerationPolicy

    if state == "pending":
        ModerationPolicy.objects.update_or_create(
            consultation=rec.consultation, defaults={"mode": ModerationPolicy.Mode.PRE_ALL}
        )
        held = comment(author, rec, body, **kwargs)
    else:
        held = comment(author, rec, body, **kwargs)
        moderator = User.objects.get(email="moderator@example.org")
        moderation_services.content_decide(
            acting_user=moderator,
            content=held,
            action=ModerationAction.Action.HIDE,
            reason="Off topic.",
            expected_state="published",
        )
    held.refresh_from_db()
    assert held.moderation_state == state
    return held


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["pending", "hidden"])
def test_a_held_comment_reads_to_its_author_and_moderators_only_on_every_page_and_partial(
    client, stakeholder, other, moderator, recommendation, state
):
    # The amendment and the thread's root are published (no pre-moderation yet; a moderator's
    # own words publish at once); the stakeholder's comment and reply are held back.
    amendment = services.amendment_propose(
        author=other,
        recommendation=recommendation,
        title="New title",
        body="New body",
        justification="Clearer.",
    )
    root = comment(moderator, recommendation, "Open words.", amendment=amendment)
    held = _held(state, stakeholder, recommendation, "Held words.", amendment=amendment)
    reply = _held(
        state, stakeholder, recommendation, "Held reply.", amendment=amendment, parent=root
    )
    amendment_page = url("amendment", recommendation, amendment.pk)
    partial = url("amendment_comments", recommendation, amendment.pk)

    for viewer, sees in [(None, False), (other, False), (stakeholder, True), (moderator, True)]:
        client.logout()
        if viewer:
            client.force_login(viewer)
        who = viewer.email if viewer else "anonymous"
        pages = {
            "amendment page": section(client.get(amendment_page).content.decode()),
            "section (htmx)": client.get(partial, headers=HTMX).content.decode(),
            "section, newest (htmx)": client.get(
                partial, {"order": "newest"}, headers=HTMX
            ).content.decode(),
            "section, most replied (htmx)": client.get(
                partial, {"order": "most-replied"}, headers=HTMX
            ).content.decode(),
            "the root's permalink": client.get(root.get_absolute_url()).content.decode(),
        }
        for name, html in pages.items():
            assert "Open words." in html, (who, name)
            assert ("Held reply." in html) is sees, (who, name)
            if name != "the root's permalink":
                assert ("Held words." in html) is sees, (who, name)
        # A pending comment is not there for others; a hidden one is, as a placeholder
        # (consultation.visibility): its permalink answers, without its words.
        there = sees or state == "hidden"
        for permalink in (held.get_absolute_url(), reply.get_absolute_url()):
            response = client.get(permalink)
            assert response.status_code == (200 if there else 404), (who, permalink)
            html = response.content.decode()
            if sees:
                assert "Held words." in html or "Held reply." in html
            elif there:
                assert "Held words." not in html and "Held reply." not in html
                assert "Hidden by the moderators" in html
            if there:
                assert f"{amendment_page}#comment-" in html  # back to the amendment's page
        # Nor does a held comment take replies from those who may not read it.
        if viewer is not None and not sees:
            reply_url = url("comment_reply", recommendation, held.pk)
            status = client.post(reply_url, {"body": "x"}).status_code
            assert status == (302 if state == "hidden" else 404)  # refused, said on the page
            assert not Comment.objects.filter(body="x").exists()


@pytest.mark.django_db
def test_the_amendment_page_offers_moderators_the_earlier_texts_of_a_comment(
    client, stakeholder, other, moderator, recommendation
):
    amendment = services.amendment_propose(
        author=other,
        recommendation=recommendation,
        title="New title",
        body="New body",
        justification="Clearer.",
    )
    note = comment(stakeholder, recommendation, "First thoughts.", amendment=amendment)
    services.comment_edit(comment=note, acting_user=stakeholder, body="Second thoughts.")
    revisions = url("comment_revisions", recommendation, note.pk)
    pages = [
        url("amendment", recommendation, amendment.pk),
        note.get_absolute_url(),
    ]
    for viewer, sees in [(None, False), (stakeholder, False), (moderator, True)]:
        client.logout()
        if viewer:
            client.force_login(viewer)
        for page in pages:
            html = client.get(page).content.decode()
            assert "Second thoughts." in html
            assert (revisions in html) is sees, (viewer, page)
        html = client.get(
            url("amendment_comments", recommendation, amendment.pk), headers=HTMX
        ).content.decode()
        assert (revisions in html) is sees, (viewer, "section (htmx)")


# -- Bad input and rate limits --------------------------------------------------------------


@pytest.mark.django_db
def test_refused_text_comes_back_in_its_form(client, stakeholder, recommendation):
    client.force_login(stakeholder)
    long = "x" * (services.COMMENT_MAX_LENGTH + 1)
    response = client.post(url("comments", recommendation), {"body": long})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Keep it under 5,000 characters (it has 5,001)." in html
    assert f">{long}</textarea>" in html and 'aria-invalid="true"' in html

    response = client.post(url("comments", recommendation), {"body": ""}, headers=HTMX)
    assert response.status_code == 422
    assert 'id="comment-error">This field is required.' in response.content.decode()

    parent = comment(stakeholder, recommendation)
    response = client.post(url("comment_reply", recommendation, parent.pk), {"body": " "})
    assert response.status_code == 422  # without JavaScript: the thread, the reply form open
    html = response.content.decode()
    assert '<details class="comment-action reply" open>' in html
    assert f'id="reply-{parent.pk}-error">This field is required.' in html
    assert Comment.objects.count() == 1


@pytest.mark.django_db
def test_rate_limit_answers_429_and_keeps_the_text(client, settings, stakeholder, recommendation):
    settings.RATELIMIT_RATES = {**settings.RATELIMIT_RATES, "comment": "2/m"}
    client.force_login(stakeholder)
    for body in ("One.", "Two."):
        assert client.post(url("comments", recommendation), {"body": body}).status_code == 302
    response = client.post(url("comments", recommendation), {"body": "Three, too fast."})
    assert response.status_code == 429
    html = response.content.decode()
    assert "You are contributing faster than this consultation allows." in html
    assert "Three, too fast.</textarea>" in html

    response = client.post(url("comments", recommendation), {"body": "Four."}, headers=HTMX)
    assert response.status_code == 429
    html = response.content.decode()
    assert 'id="comment-error">You are contributing faster' in html and "Four.</textarea>" in html
    assert Comment.objects.count() == 2


# -- Markdown -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, present, absent",
    [
        (
            "See [the study](https://example.org/s).",
            ['<a href="https://example.org/s" rel="nofollow ugc">the study</a>'],
            [],
        ),
        ("<script>alert(1)</script>Hi", ["Hi"], ["<script", "alert(1)</script>"]),
        ("[click](javascript:alert(1))", ["click"], ["javascript:", "href"]),
        ('<img src=x onerror="alert(1)">', [], ["<img", "onerror="]),
        ("**bold** and `code`", ["<strong>bold</strong>", "<code>code</code>"], []),
        ("# Heading", ["Heading"], ["<h1"]),
        (
            '<a href="https://x.org" onclick="alert(1)">x</a>',
            ['<a href="https://x.org" rel="nofollow ugc">x</a>'],
            ["onclick"],
        ),
    ],
)
def test_markdown_is_rendered_and_sanitised(
    client, stakeholder, recommendation, body, present, absent
):
    client.force_login(stakeholder)
    client.post(url("comments", recommendation), {"body": body})
    stored = Comment.objects.get().body_html
    html = section(client.get(recommendation.get_absolute_url()).content.decode())
    for fragment in present:
        assert fragment in stored and fragment in html
    rendered = html[html.index('<div class="comment-body">') :]
    rendered = rendered[: rendered.index("</div>")]
    for fragment in absent:
        assert fragment not in stored and fragment not in rendered


# -- Sorting and pages ----------------------------------------------------------------------


def _threads(rec, author, n, start=None):
    """n top-level comments a minute apart, oldest first."""
    start = start or timezone.now() - timedelta(days=1)
    return Comment.objects.bulk_create(
        Comment(
            recommendation=rec,
            author=author,
            body=f"Thread {i}",
            body_html=f"<p>Thread {i}</p>",
            created_at=start + timedelta(minutes=i),
        )
        for i in range(n)
    )


def _replies(root, author, n, parent=None):
    """n replies to `parent` (default: the root), in the root's thread."""
    parent = parent or root
    return Comment.objects.bulk_create(
        Comment(
            recommendation_id=root.recommendation_id,
            amendment_id=root.amendment_id,
            parent=parent,
            root=root,
            depth=parent.depth + 1,
            author=author,
            body=f"Reply {i}",
            body_html=f"<p>Reply {i}</p>",
            created_at=root.created_at + timedelta(seconds=i + 1),
        )
        for i in range(n)
    )


@pytest.mark.django_db
def test_sort_oldest_newest_and_most_replied(client, stakeholder, recommendation):
    a, b, c = _threads(recommendation, stakeholder, 3)
    _replies(b, stakeholder, 3)
    _replies(c, stakeholder, 1)
    page = recommendation.get_absolute_url()

    def order(params, **kwargs):
        response = client.get(page, params, **kwargs)
        return thread_ids(section(response.content.decode()))

    assert order({}) == [a.pk, b.pk, c.pk]
    assert order({"order": "oldest"}) == [a.pk, b.pk, c.pk]
    assert order({"order": "newest"}) == [c.pk, b.pk, a.pk]
    assert order({"order": "most-replied"}) == [b.pk, c.pk, a.pk]
    assert order({"order": "nonsense"}) == [a.pk, b.pk, c.pk]

    # htmx loads the section alone; without JavaScript the section's address is the page.
    response = client.get(url("comments", recommendation), {"order": "newest"}, headers=HTMX)
    assert response.content.decode().lstrip().startswith('<section id="comments"')
    assert thread_ids(response.content.decode()) == [c.pk, b.pk, a.pk]
    assert 'aria-current="true">Newest</a>' in response.content.decode()
    response = client.get(url("comments", recommendation), {"order": "newest"})
    assert response["Location"] == f"{page}?order=newest#comments"


@pytest.mark.django_db
def test_pages_of_twenty_threads_with_all_their_replies(client, stakeholder, other, recommendation):
    threads = _threads(recommendation, stakeholder, 45)
    _replies(threads[25], other, 2)
    page = recommendation.get_absolute_url()

    html = section(client.get(page).content.decode())
    assert thread_ids(html) == [t.pk for t in threads[:20]]
    # "Next threads" reads the threads after the last one shown (keyset, no OFFSET).
    after = threads[19].pk
    assert (
        "Page 1 of 3" in html
        and f'href="?order=oldest&amp;page=2&amp;after={after}#comments"' in html
    )

    with CaptureQueriesContext(connection) as queries:
        html = section(client.get(page, {"page": 2, "after": after}).content.decode())
    assert thread_ids(html) == [t.pk for t in threads[20:40]]
    assert html.count("Reply ") == 2 and "Previous threads" in html and "Next threads" in html
    assert "Page 2 of 3" in html and f"after={threads[39].pk}" in html
    assert not [q for q in queries if "OFFSET" in q["sql"] and "consultation_comment" in q["sql"]]
    # The same page by its number alone (an older link) reads the same threads.
    html = section(client.get(page, {"page": 2}).content.decode())
    assert thread_ids(html) == [t.pk for t in threads[20:40]]
    # Newest first and most replied, by the cursor too.
    html = section(
        client.get(page, {"page": 2, "order": "newest", "after": threads[25].pk}).content.decode()
    )
    assert thread_ids(html) == [t.pk for t in reversed(threads[5:25])]
    html = section(
        client.get(
            page, {"page": 2, "order": "most-replied", "after": threads[18].pk}
        ).content.decode()
    )
    assert thread_ids(html) == [t.pk for t in threads[19:40] if t != threads[25]]

    html = section(client.get(page, {"page": 3, "order": "newest"}).content.decode())
    assert thread_ids(html) == [t.pk for t in reversed(threads[:5])]
    assert client.get(page, {"page": 99}).status_code == 200  # the last page

    # A new thread shows on the page it lands on, in the order the person was reading.
    client.force_login(stakeholder)
    response = client.post(url("comments", recommendation), {"body": "Latest.", "order": "oldest"})
    latest = Comment.objects.latest("pk")
    assert response["Location"] == f"{page}?page=3#comment-{latest.pk}"
    response = client.post(url("comments", recommendation), {"body": "Newer.", "order": "newest"})
    newer = Comment.objects.latest("pk")
    assert response["Location"] == f"{page}?order=newest#comment-{newer.pk}"
    # A reply goes to its thread's page.
    response = client.post(url("comment_reply", recommendation, threads[25].pk), {"body": "Re."})
    assert response["Location"] == f"{page}?page=2#comment-{Comment.objects.latest('pk').pk}"


# -- Permalinks -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_permalink_page_shows_the_whole_thread(client, stakeholder, other, recommendation):
    _threads(recommendation, other, 25)
    root = comment(stakeholder, recommendation, "The root.")
    child = comment(other, recommendation, "The child.", parent=root)
    grandchild = comment(stakeholder, recommendation, "The grandchild.", parent=child)
    comment(other, recommendation, "Elsewhere.")

    response = client.get(grandchild.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "The root." in html and "The child." in html and "The grandchild." in html
    assert "Elsewhere." not in html
    assert f'href="{grandchild.get_absolute_url()}#comment-{grandchild.pk}"' in html
    assert f'href="{recommendation.get_absolute_url()}?page=2#comment-{root.pk}"' in html

    # Its forms post plainly and come back to it.
    client.force_login(other)
    html = client.get(grandchild.get_absolute_url()).content.decode()
    assert 'name="from" value="thread"' in html and "hx-post" not in html
    response = client.post(
        url("comment_reply", recommendation, grandchild.pk), {"body": "Deep.", "from": "thread"}
    )
    deep = Comment.objects.latest("pk")
    assert response["Location"] == f"{deep.get_absolute_url()}#comment-{deep.pk}"
    assert deep.depth == 3


# -- What the pages cost --------------------------------------------------------------------


def _discussion(rec, n, viewer):
    """n comments: threads of ten (a root, replies three levels deep), the viewer's among
    them, and in the first thread one edited and one removed comment."""
    groups = list(StakeholderGroup.objects.all()[:3])
    authors = [viewer] + User.objects.bulk_create(
        User(email=f"c{i}@example.org", display_name=f"Commenter {i}", stakeholder_group=groups[i])
        for i in range(3)
    )
    roots = _threads(rec, authors[1], n // 10)
    for i, root in enumerate(roots):
        level1 = _replies(root, authors[i % 4], 3)
        level2 = _replies(root, authors[(i + 1) % 4], 3, parent=level1[0])
        _replies(root, authors[(i + 2) % 4], 3, parent=level2[0])
        if i == 0:
            Comment.objects.filter(pk=root.pk).update(edited_at=timezone.now())
            Comment.objects.filter(pk=level1[1].pk).update(deleted_at=timezone.now())
    assert Comment.objects.filter(recommendation=rec).count() == n
    return roots


@pytest.mark.django_db
@pytest.mark.parametrize("n", [10, 1000])
def test_the_recommendation_page_costs_the_same_with_10_or_1000_comments(
    client, django_assert_num_queries, stakeholder, recommendation, n
):
    _discussion(recommendation, n, stakeholder)
    client.force_login(stakeholder)
    # 1 session, 2 user, 3 consultation, 4 recommendation with its pillar (its consultation set:
    # dialogue_refusal asks no query for it), 5 the viewer's position, 6 whether they follow,
    # 7 the amendments they endorse, 8 their verified e-mail address (may they contribute?), 9 the
    # organisers' response (none yet), 10 its implementation updates, 11 whether the viewer is on
    # the consultation team (responses' panel), 12 its advocates, 13 its challenges, 14 its
    # versions (its text, read as its fragment renders), 15 positions by stakeholder group,
    # 16 count of positions (none: no page to load), 17 amendments, 18 count of comment threads,
    # 19 the page of threads with their authors, groups and reply counts, 20 the first replies of
    # each (REPLIES_PER_THREAD) with their authors and groups, 21 their groups (may they read
    # earlier texts? asked once, as an edited comment is shown)
    with django_assert_num_queries(21):
        response = client.get(recommendation.get_absolute_url())
    html = section(response.content.decode())
    assert len(thread_ids(html)) == min(n // 10, 20)
    # Each thread shows its first replies (of nine) and links to the rest.
    shown = 1 + selectors.REPLIES_PER_THREAD
    assert html.count("<article ") == len(thread_ids(html)) * shown
    assert html.count('class="more-replies"') == len(thread_ids(html))
    assert 'class="edited"' in html and "Comment removed" in html
    assert 'class="comment-action edit"' in html  # the viewer's own comments


@pytest.mark.django_db
@pytest.mark.parametrize("n", [5, 300])
def test_a_thread_of_300_replies_keeps_the_page_small_and_its_cost_fixed(
    client, django_assert_num_queries, stakeholder, other, recommendation, n
):
    root = _threads(recommendation, other, 1)[0]
    replies = _replies(root, stakeholder, n)
    client.force_login(stakeholder)
    # As the page above, whatever the replies, less its 21st query (no edited comment: the
    # viewer's groups are not asked): the page shows the first REPLIES_PER_THREAD of the
    # thread (one query, window functions) and links to the rest.
    with django_assert_num_queries(20):
        response = client.get(recommendation.get_absolute_url())
    assert len(response.content) < 150_000
    html = section(response.content.decode())
    shown = min(n, selectors.REPLIES_PER_THREAD)
    assert html.count("<article ") == 1 + shown
    more = n - shown
    if not more:
        assert "more-replies" not in html
        return
    assert f"Show {more} more replies" in html
    replies_url = url("comment_replies", recommendation, root.pk)
    link = f"{replies_url}?after={replies[shown - 1].pk}"
    assert f'href="{link}" data-hx-get="{link}"' in html  # htmx, and a plain link without it
    # "Show more": the next batch after the cursor, keyset-paged, and the link to the rest.
    # 1 session, 2 user, 3 consultation, 4 recommendation with its pillar, 5 its advocates,
    # 6 its challenges, 7 its versions (load_recommendation, as every page of the dialogue),
    # 8 the root, 9 the cursor's reply, 10 the batch, 11 how many follow it (asked only of a
    # full batch), 12 the viewer's verified e-mail address (may they contribute?)
    batch = min(more, selectors.REPLIES_PER_BATCH)
    with django_assert_num_queries(12 if batch == selectors.REPLIES_PER_BATCH else 11):
        fragment = client.get(link, headers=HTMX).content.decode()
    assert fragment.count("<article ") == batch
    assert f'id="comment-{replies[shown].pk}"' in fragment
    if more > batch:
        assert f"Show {more - batch} more replies" in fragment
    page = client.get(link).content.decode()  # without JavaScript: a page of its own
    assert page.count("<article ") == batch and "<!doctype html>" in page


@pytest.mark.django_db
@pytest.mark.parametrize("n", [10, 1000])
def test_the_permalink_page_costs_the_same_with_10_or_1000_comments_in_its_thread(
    client, django_assert_num_queries, stakeholder, other, recommendation, n
):
    root = _threads(recommendation, other, 1)[0]
    replies = _replies(root, stakeholder, n - 1)
    Comment.objects.filter(pk=replies[0].pk).update(edited_at=timezone.now())
    client.force_login(stakeholder)
    # 1 session, 2 user, 3 consultation, 4 recommendation with its pillar, 5 its advocates,
    # 6 its challenges, 7 its versions, 8 the comment with its author, 9 the thread's root
    # with its author, 10 all its replies with their authors, 11 the root's reply count and
    # 12 the threads before it (the page to go back to), 13 the viewer's verified e-mail
    # address (may they contribute?), 14 their groups (may they read earlier texts?)
    permalink = replies[-1].get_absolute_url()
    with django_assert_num_queries(14):
        response = client.get(permalink)
    html = response.content.decode()
    assert html.count("<article ") == n
    assert f'<article id="comment-{replies[-1].pk}"' in html
