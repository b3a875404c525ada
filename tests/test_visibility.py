"""One visibility rule (consultation/visibility.py), walked over every surface.

One thread: its first comment hidden by the moderators after a report (off topic), a
published reply, and a pending reply. Each surface is read as anonymous, a stakeholder, the
hidden comment's author and a moderator: the published reply reads in full everywhere and to
everyone; the hidden comment is a placeholder (no words, the report's category) to everyone
but its author and moderators; the pending reply is there for its author and moderators only.
Every count is the public one.
"""

import csv
import io

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.selectors import user_data_export
from consultation import services as consultation_services
from consultation.models import Comment
from consultation.services import summaries
from consultation.visibility import ABSENT, FULL, PLACEHOLDER, comment_count, comment_display
from digests.periods import period_in_progress
from digests.selectors import digests_build
from moderation import services as moderation
from moderation.histories import author_histories
from moderation.models import ModerationAction
from notifications.models import Notification

HIDDEN, PUBLISHED, PENDING = "Hidden zebra words.", "Published zebra words.", "Pending zebra words."
HTMX = {"HX-Request": "true"}


@pytest.fixture
def people(make_person, stakeholder, moderator, with_totp):
    return {
        "anonymous": None,
        "stakeholder": stakeholder,
        "author": make_person("author@example.org", display_name="Ann Author"),
        "replier": make_person("replier@example.org", display_name="Rob Replier"),
        "moderator": with_totp(moderator),
    }


@pytest.fixture
def thread(people, recommendation):
    """The hidden root (by the author), the published reply (by the replier), the pending
    reply (by the author)."""
    author, replier = people["author"], people["replier"]

    def write(person, body, parent=None):
        return consultation_services.comment_create(
            author=person, recommendation=recommendation, body=body, parent=parent
        )

    root = write(author, HIDDEN)
    published = write(replier, PUBLISHED, parent=root)
    pending = write(author, PENDING, parent=root)
    # Held back as a pre-moderated policy would have held it (the summaries follow, as they
    # follow the services).
    with summaries.tracking(Comment.objects.filter(pk=pending.pk)):
        Comment.objects.filter(pk=pending.pk).update(moderation_state="pending")
    moderation.flag_create(acting_user=people["stakeholder"], content=root, reason="off_topic")
    moderation.content_decide(
        acting_user=people["moderator"],
        content=root,
        action="hide",
        reason="Not about this recommendation.",
        expected_state="published",
    )
    root.refresh_from_db()
    pending.refresh_from_db()
    return {"root": root, "published": published, "pending": pending}


# What each viewer reads of each comment.
EXPECTED = {
    "anonymous": {"root": PLACEHOLDER, "published": FULL, "pending": ABSENT},
    "stakeholder": {"root": PLACEHOLDER, "published": FULL, "pending": ABSENT},
    "author": {"root": FULL, "published": FULL, "pending": FULL},
    "moderator": {"root": FULL, "published": FULL, "pending": FULL},
}
WORDS = {"root": HIDDEN, "published": PUBLISHED, "pending": PENDING}


def _client(client, person):
    client.logout()
    if person is not None:
        client.force_login(person)
    return client


def _api(person):
    api = APIClient()
    if person is not None:
        api.force_authenticate(person)
    return api


def _reads(html: str, expected: dict) -> None:
    """The page holds the words of the comments read in full, and a placeholder for the
    ones shown as such."""
    for key, display in expected.items():
        assert (WORDS[key] in html) is (display == FULL), (key, display)
    if PLACEHOLDER in expected.values():
        assert "Hidden by the moderators: Off topic" in html


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(EXPECTED))
def test_every_surface_shows_each_comment_as_the_one_rule_says(
    client, people, thread, recommendation, who
):
    person, expected = people[who], EXPECTED[who]
    web = _client(client, person)
    api = _api(person)

    # The rule itself.
    for key, display in expected.items():
        assert comment_display(person, thread[key]) == display, key

    # The recommendation page and its comments section: one thread, as before the hiding.
    page = web.get(recommendation.get_absolute_url()).content.decode()
    _reads(page, expected)
    assert "1 thread of comments" in page
    section = web.get(
        reverse("consultation:comments", args=["demo", recommendation.reference]), headers=HTMX
    ).content.decode()
    _reads(section, expected)

    # Each permalink: the hidden one answers with its placeholder, the pending one only to
    # those who read it.
    for key, display in expected.items():
        response = web.get(thread[key].get_absolute_url())
        assert response.status_code == (404 if display == ABSENT else 200), key
        if response.status_code == 200:
            _reads(response.content.decode(), expected)

    # The thread's "more replies" (htmx fragment and the page without JavaScript).
    replies_url = reverse(
        "consultation:comment_replies", args=["demo", recommendation.reference, thread["root"].pk]
    )
    for headers in (HTMX, {}):
        html = web.get(replies_url, headers=headers).content.decode()
        assert PUBLISHED in html
        assert (PENDING in html) is (expected["pending"] == FULL)

    # The API's list and detail say the same.
    base = f"/api/consultations/demo/recommendations/{recommendation.reference}/comments/"
    [listed] = api.get(base).json()["results"]
    seen = {listed["id"]: listed, **{r["id"]: r for r in listed["replies"]}}
    for key, display in expected.items():
        pk = thread[key].pk
        detail = api.get(f"{base}{pk}/")
        if display == ABSENT:
            assert pk not in seen and detail.status_code == 404, key
            continue
        assert seen[pk]["display"] == display == detail.json()["display"], key
        assert (seen[pk]["body"] == WORDS[key]) is (display == FULL), key
        if display == PLACEHOLDER:
            assert seen[pk]["author"] is None and seen[pk]["hidden_reason"] == "off_topic"

    # Search, web and API: what everyone reads, the same for every viewer.
    html = web.get(reverse("results:search"), {"q": "zebra"}).content.decode()
    assert "Published <mark>zebra</mark> words." in html
    assert thread["published"].get_absolute_url() in html
    assert "Hidden <mark>" not in html and "Pending <mark>" not in html
    [hit] = api.get("/api/search/", {"q": "zebra"}).json()["results"]
    assert hit["reference"] == recommendation.reference
    [snippet] = hit["matched"]
    assert snippet["kind"] == "comment"
    assert snippet["url"] == thread["published"].get_absolute_url()

    # Every count is the public one: the published reply.
    assert comment_count() == 1
    [row] = api.get("/api/consultations/demo/recommendations/").json()["results"]
    assert row["comment_count"] == 1
    assert listed["reply_count"] == 1


@pytest.mark.django_db
def test_the_results_report_and_digest_count_what_the_page_shows(
    client, people, thread, recommendation
):
    results = client.get(reverse("results:consultation", args=["demo"])).content.decode()
    assert "1 comment" in results and "3 comments" not in results
    assert "<td>1</td></tr>" in results  # the recommendation's row: its comments column
    report = client.get(reverse("results:report_html", args=["demo"])).content.decode()
    assert HIDDEN not in report and PENDING not in report
    assert "1 comment" in report and "3 comments" not in report
    # The open data and the report's spreadsheet carry each recommendation's count.
    api = APIClient()
    [row] = api.get("/api/consultations/demo/results.json").json()["recommendations"]
    assert row["comment_count"] == 1
    lines = api.get("/api/consultations/demo/results.csv").content.decode().splitlines()
    assert lines[0].endswith(",comments") and lines[-1].endswith(",1")
    exported = client.get(reverse("results:report_csv", args=["demo"]))  # streamed
    lines = b"".join(exported.streaming_content).decode()
    header, data = list(csv.reader(io.StringIO(lines)))[:2]
    assert data[header.index("comments")] == "1"
    reader = people["stakeholder"]
    consultation_services.follow_create(user=reader, recommendation=recommendation)
    digest = digests_build(people=[reader], period=period_in_progress("daily"))[reader.pk]
    [activity] = digest.followed
    assert activity.new_comments == 1


@pytest.mark.django_db
def test_hiding_writes_its_audit_row_and_leaves_the_reply_authors_alone(people, thread):
    root, replier = thread["root"], people["replier"]
    [row] = ModerationAction.objects.filter(comment=root, action="hide")
    assert (row.state_before, row.state_after) == ("published", "hidden")
    assert row.actor == people["moderator"]
    assert root.hidden_reason == "off_topic"
    # The reply's author: no decision, no notice, nothing on their record.
    assert not ModerationAction.objects.filter(comment__author=replier).exists()
    assert not Notification.objects.filter(user=replier, kind=Notification.Kind.DECISION)
    history = author_histories([replier])[replier.pk]
    assert history.states == {"published": 1} and not history.actions
    # The hidden comment's author was told of the reply and of the decision.
    kinds = set(Notification.objects.filter(user=people["author"]).values_list("kind", flat=True))
    assert {Notification.Kind.REPLY, Notification.Kind.DECISION} <= kinds
    # Their export holds their hidden and pending comments, with their states.
    exported = user_data_export(user=people["author"])
    states = {c["body"]: c["moderation_state"] for c in exported["comments"]}
    assert states[HIDDEN] == "hidden" and states[PENDING] == "pending"
    # Restored, the comment reads in full again and loses its category.
    moderation.content_decide(
        acting_user=people["moderator"],
        content=root,
        action="restore",
        reason="",
        expected_state="hidden",
    )
    root.refresh_from_db()
    assert (root.moderation_state, root.hidden_reason) == ("published", "")
    assert comment_display(None, root) == FULL


@pytest.mark.django_db
def test_the_apis_pages_of_threads_follow_a_keyset_cursor(people, recommendation):
    roots = [
        consultation_services.comment_create(
            author=people["replier"], recommendation=recommendation, body=f"Thread {i}."
        )
        for i in range(25)
    ]
    api = _api(None)
    first = api.get(f"/api/consultations/demo/recommendations/{recommendation.reference}/comments/")
    body = first.json()
    assert [c["id"] for c in body["results"]] == [r.pk for r in roots[:20]]
    assert body["count"] == 25 and f"after={roots[19].pk}" in body["next"]
    second = api.get(body["next"]).json()
    assert [c["id"] for c in second["results"]] == [r.pk for r in roots[20:]]
    assert second["next"] is None and "after" not in second["previous"]
