"""A person's public profile lists their contributions: comments (on recommendations and on
amendments), amendments and positions, newest first, each linking to where it is read; the
public sees the published, the person also their own in every other state, marked; removed
comments and what sits on unreadable pages stay out; pages of 20; the query count of the page
at two sizes."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation import selectors as dialogue
from consultation import services
from consultation.models import Amendment, Comment, ModerationState, Position
from moderation import services as moderation_services
from moderation.models import ModerationAction, ModerationPolicy
from recommendations.models import Consultation

Action = ModerationAction.Action


@pytest.fixture
def reader(make_person):
    return make_person("reader@example.org", display_name="Rhea Reader")


def profile(client, person, *, viewer=None, page=None) -> str:
    client.logout()
    if viewer is not None:
        client.force_login(viewer)
    url = reverse("accounts:person", args=[person.pk])
    response = client.get(url, {"page": page} if page else {})
    assert response.status_code == 200
    return response.content.decode()


def listed(html: str) -> list[str]:
    """The contributions the page lists, in order, as "kind-pk"."""
    return re.findall(r'<li class="card contribution contribution-\w+" id="(\w+-\d+)"', html)


def key(content) -> str:
    return f"{type(content).__name__.lower()}-{content.pk}"


def comment(author, recommendation, body="A comment.", **kwargs) -> Comment:
    return services.comment_create(
        author=author, recommendation=recommendation, body=body, **kwargs
    )


def amendment(author, recommendation, title="Secure it faster") -> Amendment:
    return services.amendment_propose(
        author=author,
        recommendation=recommendation,
        title=title,
        body="Regulators should publish binding guidance.",
        justification="Binding.",
    )


def position(author, recommendation, stance="oppose", reason="Too vague.") -> Position:
    return services.position_take(
        author=author, recommendation=recommendation, stance=stance, reason=reason
    )


def decide(moderator, content, action, reason="Off topic."):
    content.refresh_from_db()
    moderation_services.content_decide(
        acting_user=moderator,
        content=content,
        action=action,
        reason=reason,
        expected_state=content.moderation_state,
    )
    content.refresh_from_db()


def dated(content, minutes_ago: int):
    """Back-date a contribution, so that the order the page shows is known."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    field = "updated_at" if isinstance(content, Position) else "created_at"
    type(content).objects.filter(pk=content.pk).update(**{field: at})
    return content


@pytest.mark.django_db
def test_the_profile_lists_published_contributions_newest_first_with_their_links(
    client, stakeholder, reader, recommendation
):
    amended = dated(amendment(reader, recommendation, title="Someone else's"), 60)
    on_rec = dated(comment(stakeholder, recommendation, "Local **production**."), 50)
    on_amendment = dated(comment(stakeholder, recommendation, "Agreed.", amendment=amended), 40)
    mine = dated(amendment(stakeholder, recommendation, title="Secure it faster"), 30)
    stance = dated(position(stakeholder, recommendation, reason="Too vague."), 20)

    html = profile(client, stakeholder)
    assert listed(html) == [key(stance), key(mine), key(on_amendment), key(on_rec)]
    assert "2 comments · 1 amendment · 1 position" in html
    # Each links to where it is read: the comment's permalink, the amendment's page, the
    # recommendation page's positions; and names the recommendation and the consultation.
    for c in (on_rec, on_amendment):
        assert f'href="{c.get_absolute_url()}#comment-{c.pk}"' in html
    assert f"Comment on amendment #{amended.pk} to P1-R1" in html
    assert "Comment on P1-R1" in html and "Local <strong>production</strong>." in html
    amendment_url = reverse("consultation:amendment", args=["demo", "P1-R1", mine.pk])
    assert f'href="{amendment_url}"' in html and "Secure it faster" in html
    assert (
        f'href="{recommendation.get_absolute_url()}#position-{stance.pk}"' in html
        and "Too vague." in html
    )
    assert "P1-R1 Secure the supply of plant material" in html and "Plant to patient" in html
    # The other person's amendment is theirs, not this person's.
    assert key(amended) not in listed(html) and "Someone else&#x27;s" not in html
    assert "awaiting moderation" not in html
    assert "No published contributions yet." not in html


@pytest.mark.django_db
def test_a_person_without_contributions_reads_so(client, stakeholder, reader):
    assert "No published contributions yet." in profile(client, stakeholder, viewer=reader)


@pytest.mark.django_db
def test_others_see_only_the_published_and_the_author_sees_the_rest_marked(
    client, stakeholder, reader, moderator, recommendation, recommendation_factory
):
    published = comment(stakeholder, recommendation, "Published words.")
    hidden = comment(stakeholder, recommendation, "Hidden words.")
    decide(moderator, hidden, Action.HIDE)
    rejected = comment(stakeholder, recommendation, "Rejected words.")
    decide(moderator, rejected, Action.REJECT)
    ModerationPolicy.objects.create(
        consultation=recommendation.consultation, mode=ModerationPolicy.Mode.PRE_ALL
    )
    pending = comment(stakeholder, recommendation, "Pending words.")
    pending_amendment = amendment(stakeholder, recommendation, title="Pending title")
    pending_position = position(stakeholder, recommendation, reason="Pending reason.")
    assert {c.moderation_state for c in (pending, pending_amendment, pending_position)} == {
        ModerationState.PENDING
    }
    unpublished = [hidden, rejected, pending, pending_amendment, pending_position]
    words = [
        "Hidden words.",
        "Rejected words.",
        "Pending words.",
        "Pending title",
        "Pending reason.",
    ]

    # The public, another participant and a moderator: the published comment only (a
    # moderator reads the rest in their queue; a profile shows the person as others do).
    for viewer in (None, reader, moderator):
        html = profile(client, stakeholder, viewer=viewer)
        assert listed(html) == [key(published)], viewer
        assert "1 comment · 0 amendments · 0 positions" in html
        assert not any(word in html for word in words)
        assert "awaiting moderation" not in html

    # The author: everything, the unpublished marked with the dialogue's state badge.
    html = profile(client, stakeholder, viewer=stakeholder)
    assert sorted(listed(html)) == sorted(key(c) for c in [published, *unpublished])
    assert "Your contributions" in html and "4 comments · 1 amendment · 1 position" in html
    assert all(word in html for word in words)
    assert html.count("moderation-pending") == 3
    assert html.count("moderation-hidden") == 1 and html.count("moderation-rejected") == 1
    item = html[html.index(f'id="{key(published)}"') :]
    assert "moderation-state" not in item[: item.index("</li>")]


@pytest.mark.django_db
def test_comments_on_pages_others_cannot_open_are_left_out_and_replies_to_hidden_ones_kept(
    client, stakeholder, reader, moderator, recommendation, recommendation_factory
):
    # A published reply in a thread whose first comment is hidden stays readable, under the
    # placeholder (consultation.visibility): listed, and its permalink opens.
    root = comment(reader, recommendation, "Root.")
    reply = comment(stakeholder, recommendation, "Reply in a hidden thread.", parent=root)
    decide(moderator, root, Action.HIDE)
    # A published comment on an amendment that awaits moderation: its page is a 404.
    held = amendment(reader, recommendation)
    Amendment.objects.filter(pk=held.pk).update(moderation_state=ModerationState.PENDING)
    on_held = comment(stakeholder, recommendation, "On a held amendment.", amendment=held)
    # A comment in a draft consultation: staff only.
    draft = recommendation_factory(
        pillar__consultation__slug="draft", pillar__consultation__state=Consultation.State.DRAFT
    )
    in_draft = Comment.objects.create(
        recommendation=draft, author=stakeholder, body="Draft.", body_html="<p>Draft.</p>"
    )
    visible = comment(stakeholder, recommendation, "Readable.")
    for content in (reply, on_held, in_draft):
        assert content.moderation_state == ModerationState.PUBLISHED

    html = profile(client, stakeholder, viewer=reader)
    assert listed(html) == [key(visible), key(reply)]
    assert "2 comments · 0 amendments · 0 positions" in html
    client.logout()
    assert client.get(reply.get_absolute_url()).status_code == 200  # what the rule follows


@pytest.mark.django_db
def test_removed_comments_do_not_appear(client, stakeholder, reader, recommendation):
    kept = comment(stakeholder, recommendation, "Kept words.")
    removed = comment(stakeholder, recommendation, "Removed words.")
    services.comment_delete(comment=removed, acting_user=stakeholder)
    for viewer in (None, reader, stakeholder):
        html = profile(client, stakeholder, viewer=viewer)
        assert listed(html) == [key(kept)]
        assert "Removed words." not in html and "1 comment · " in html


@pytest.mark.django_db
def test_a_deleted_account_has_no_profile_to_list(client, stakeholder, recommendation):
    from accounts.services import account_delete

    comment(stakeholder, recommendation, "Still published.")
    account_delete(user=stakeholder)
    url = reverse("accounts:person", args=[stakeholder.pk])
    assert client.get(url).status_code == 404


def _contributions(person, recommendations, n: int) -> list:
    """n contributions of the person, of every kind, in every recommendation."""
    made = []
    for i in range(n):
        rec = recommendations[i % len(recommendations)]
        if i % 6 == 0:  # one position a recommendation
            made.append(position(person, recommendations[i // 6], reason=f"Reason {i}."))
        elif i % 6 == 1:
            made.append(amendment(person, rec, title=f"Title {i}"))
        else:
            # Right after an amendment, a comment on it; otherwise on the recommendation.
            on = made[-1] if made and isinstance(made[-1], Amendment) else None
            rec = on.recommendation if on else rec
            made.append(comment(person, rec, f"Comment {i}.", amendment=on))
    return made


@pytest.fixture
def recommendations(recommendation, recommendation_factory):
    return [recommendation] + [
        recommendation_factory(pillar=recommendation.pillar) for _ in range(11)
    ]


@pytest.mark.django_db
def test_pages_of_twenty_newest_first(client, stakeholder, recommendations):
    made = _contributions(stakeholder, recommendations, 25)
    for minutes, content in enumerate(reversed(made)):
        dated(content, minutes)  # made[-1] the newest
    newest_first = [key(c) for c in reversed(made)]

    first = profile(client, stakeholder)
    assert listed(first) == newest_first[:20]
    assert "Page 1 of 2" in first and "?page=2#contributions" in first
    second = profile(client, stakeholder, page=2)
    assert listed(second) == newest_first[20:]
    assert "Page 2 of 2" in second and "?page=1#contributions" in second
    # An impossible page number gets the last page, as everywhere else.
    assert listed(profile(client, stakeholder, page=99)) == newest_first[20:]
    counts = {kind: sum(key(c).startswith(kind) for c in made) for kind in ("comment", "amendment")}
    assert f"{counts['comment']} comments · {counts['amendment']} amendments · " in first


@pytest.mark.django_db
def test_the_selector_counts_every_kind(stakeholder, reader, recommendations):
    made = _contributions(stakeholder, recommendations, 13)
    page = dialogue.person_contributions(person=stakeholder, viewer=reader)
    assert page.counts == {
        kind: sum(isinstance(c, model) for c in made)
        for kind, model in dialogue.CONTRIBUTION_KINDS.items()
    }
    assert len(page.object_list) == 13 == page.paginator.count


@pytest.mark.django_db
@pytest.mark.parametrize("n", [5, 60])
@pytest.mark.parametrize("as_author", [False, True], ids=["public", "author"])
def test_the_profile_costs_the_same_whatever_the_number_of_contributions(
    client, django_assert_num_queries, stakeholder, recommendations, n, as_author
):
    made = _contributions(stakeholder, recommendations, n)
    # Every kind on the page (the newest 20), comments on amendments among them.
    assert {type(c) for c in made[-20:]} == {Comment, Amendment, Position}
    assert any(isinstance(c, Comment) and c.amendment_id for c in made[-20:])
    if as_author:
        client.force_login(stakeholder)
    url = reverse("accounts:person", args=[stakeholder.pk])
    # (signed in: the session, and the signed-in person)
    # 1. the person (with their stakeholder group)
    # 2. the counts of their comments, amendments and positions (one row, three subqueries;
    #    what the viewer may read is decided inside them)
    # 3. the page's keys (kind, pk) in the union of the three kinds, newest first
    # 4. the page's comments, 5. amendments, 6. positions, each with its recommendation and
    #    consultation; 7. the nav's consultation (kept a minute in the cache, emptied for each test)
    with django_assert_num_queries(7 + 2 * as_author):
        response = client.get(url)
    assert response.status_code == 200
    assert len(listed(response.content.decode())) == min(n, 20)
