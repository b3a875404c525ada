"""The organisers' responses: drafted by the team, reviewed by a second member, published
(now or at a chosen time), corrected in the open; the cited contributions' authors told once."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from consultation import services as dialogue
from moderation.models import ModerationAction
from notifications.models import Notification
from recommendations.models import Consultation
from responses import services
from responses.models import Response, ResponseRevision
from responses.services import ResponseRefused

from . import factories


@pytest.fixture
def recommendation(db):
    return factories.RecommendationFactory(title="Old title", body="Old words here.")


@pytest.fixture
def contributions(recommendation, make_person, stakeholder_group):
    ann = make_person("ann@example.org", display_name="Ann", stakeholder_group=stakeholder_group)
    bob = make_person("bob@example.org", display_name="Bob")
    return {
        "ann": ann,
        "bob": bob,
        "comments": [
            dialogue.comment_create(author=ann, recommendation=recommendation, body="Say more."),
            dialogue.comment_create(author=bob, recommendation=recommendation, body="Too vague."),
        ],
        "amendment": dialogue.amendment_propose(
            author=ann,
            recommendation=recommendation,
            title="New title",
            body="New words here.",
            justification="Clearer.",
        ),
    }


def _adopted(recommendation):
    statuses = services.response_statuses_ensure(consultation=recommendation.consultation)
    return next(s for s in statuses if s.code == "adopted")


def _draft(recommendation, author, contributions=None, **extra):
    cited = contributions or {"comments": [], "amendment": None}
    return services.response_save(
        recommendation=recommendation,
        acting_user=author,
        status=_adopted(recommendation),
        text="We *agree*, with the wording below. <script>alert(1)</script>",
        comment_ids=[c.pk for c in cited["comments"]],
        amendment_ids=[cited["amendment"].pk] if cited["amendment"] else [],
        **extra,
    )


def _response_notices():
    return Notification.objects.filter(message__contains="response to")


def test_the_four_default_statuses_and_a_consultation_of_its_own(recommendation):
    statuses = services.response_statuses_ensure(consultation=recommendation.consultation)
    assert [s.code for s in statuses] == [
        "adopted",
        "adopted-with-changes",
        "under-consideration",
        "not-taken-up",
    ]
    assert services.response_statuses_ensure(consultation=recommendation.consultation) == statuses


def test_draft_review_publish_tells_each_cited_author_once(
    recommendation,
    contributions,
    team_member,
    second_team_member,
    eager,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    response = _draft(
        recommendation,
        team_member,
        contributions,
        proposed_title="Final title",
        proposed_body="Final words here.",
    )
    assert response.state == Response.State.DRAFT
    assert "<script>" not in response.text_html and "<em>agree</em>" in response.text_html
    assert response.citations.count() == 3
    assert response.breakdown["totals"] == {"endorse": 0, "reservations": 0, "oppose": 0}
    assert not _response_notices().exists()  # a draft tells nobody

    with pytest.raises(ResponseRefused, match="second member"):
        services.response_review(response=response, acting_user=team_member)

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.response_review(response=response, acting_user=second_team_member)
    response.refresh_from_db()
    assert response.state == Response.State.PUBLISHED
    # The wording is the recommendation's next version, as with any rewording.
    recommendation.refresh_from_db()
    assert (recommendation.title, recommendation.body) == ("Final title", "Final words here.")
    assert response.version.number == 2 and response.version.author == second_team_member
    # Ann (a comment and an amendment) and Bob (a comment): one notice each, naming them.
    notices = _response_notices()
    assert sorted(n.user.email for n in notices) == ["ann@example.org", "bob@example.org"]
    assert all("Final title" in n.message and "Adopted" in n.message for n in notices)
    ann = notices.get(user=contributions["ann"]).message
    assert "your comment of" in ann and "“Say more.”" in ann and "“New title”" in ann
    assert "“Too vague.”" in notices.get(user=contributions["bob"]).message
    assert sorted(m.to[0] for m in mailoutbox if "response to" in m.body) == [
        "ann@example.org",
        "bob@example.org",
    ]
    # Publishing again (the beat task, a retry) tells nobody again.
    assert services.responses_publish_due() == 0
    assert services._tell(response) == 0
    assert _response_notices().count() == 2
    kinds = list(response.revisions.order_by("number").values_list("kind", flat=True))
    assert kinds == ["draft", "review", "publication"]
    actions = set(ModerationAction.objects.values_list("action", flat=True))
    assert {"response_save", "response_review", "response_publish"} <= actions


def test_a_published_response_is_corrected_in_the_open(
    recommendation, contributions, team_member, second_team_member, eager
):
    response = _draft(recommendation, team_member)
    services.response_review(response=response, acting_user=second_team_member)
    with pytest.raises(ValidationError) as error:
        _draft(recommendation, team_member)
    assert "note" in error.value.message_dict
    corrected = _draft(
        recommendation,
        team_member,
        {"comments": contributions["comments"][:1], "amendment": None},
        note="We cite the comment that led to it.",
    )
    assert corrected.state == Response.State.PUBLISHED and corrected.corrected_at
    correction = corrected.revisions.get(kind=ResponseRevision.Kind.CORRECTION)
    assert correction.note == "We cite the comment that led to it."
    assert _response_notices().get().user == contributions["ann"]  # the new citation only
    assert ModerationAction.objects.filter(action="response_correct").exists()


def test_editing_a_reviewed_response_sends_it_back_to_review(
    recommendation, team_member, second_team_member
):
    response = _draft(recommendation, team_member)
    later = timezone.now() + dt.timedelta(days=2)
    services.response_review(response=response, acting_user=second_team_member, publish_at=later)
    response = _draft(recommendation, second_team_member)
    assert response.state == Response.State.DRAFT and response.reviewed_by is None
    # Now the first member reviews what the second wrote.
    services.response_review(response=response, acting_user=team_member)
    assert Response.objects.get().state == Response.State.PUBLISHED


def test_scheduled_publication_by_the_beat_task(recommendation, team_member, second_team_member):
    from responses.tasks import publish_due_responses

    response = _draft(recommendation, team_member)
    later = timezone.now() + dt.timedelta(hours=1)
    services.response_review(response=response, acting_user=second_team_member, publish_at=later)
    assert Response.objects.get().state == Response.State.REVIEWED
    assert publish_due_responses() == 0
    assert services.responses_publish_due(now=later + dt.timedelta(minutes=1)) == 1
    response = Response.objects.get()
    assert response.state == Response.State.PUBLISHED and response.published_at


def test_only_published_contributions_of_this_recommendation_are_cited(
    recommendation, contributions, team_member
):
    other = factories.RecommendationFactory(pillar=recommendation.pillar)
    foreign = dialogue.comment_create(
        author=contributions["bob"], recommendation=other, body="Elsewhere."
    )
    with pytest.raises(ValidationError) as error:
        services.response_save(
            recommendation=recommendation,
            acting_user=team_member,
            status=_adopted(recommendation),
            text="Reasons.",
            comment_ids=[foreign.pk],
        )
    assert "comments" in error.value.message_dict


def test_implementation_updates_are_audited_and_checked(recommendation, team_member, stakeholder):
    with pytest.raises(ResponseRefused):
        services.implementation_update_add(
            recommendation=recommendation,
            acting_user=stakeholder,
            date=dt.date(2026, 1, 5),
            status="in_progress",
            text="Started.",
        )
    with pytest.raises(ValidationError):
        services.implementation_update_add(
            recommendation=recommendation,
            acting_user=team_member,
            date=dt.date(2026, 1, 5),
            status="in_progress",
            text="Started.",
            progress=140,
        )
    update = services.implementation_update_add(
        recommendation=recommendation,
        acting_user=team_member,
        date=dt.date(2026, 1, 5),
        status="in_progress",
        text="Pilot in **two** hospitals.",
        progress=40,
    )
    assert "<strong>two</strong>" in update.text_html
    assert ModerationAction.objects.filter(action="implementation_update").exists()


def test_the_seeded_white_paper_ships_with_no_response(white_paper):
    assert not Response.objects.filter(recommendation__consultation=white_paper).exists()


@override_settings(DEBUG=True)
def test_sample_responses_only_on_request_and_labelled(white_paper):
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    assert not Response.objects.exists()
    assert "team@example.org" in out.getvalue()
    call_command("create_demo_users", "--sample-responses", stdout=out)
    assert "3 sample responses added" in out.getvalue()
    samples = Response.objects.filter(recommendation__consultation=white_paper)
    assert samples.count() == 3
    assert all(r.sample and r.is_published and "Sample response" in r.text for r in samples)
    assert (
        Consultation.objects.get(pk=white_paper.pk).recommendations.exclude(response=None).count()
        == 3
    )
