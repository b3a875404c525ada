"""Lifting a suspension before it ends: by a moderator or consultation admin (not one's own),
with a reason, in the audit log (suspended until … → active), told to the person on the site
and by e-mail after the commit, never appealable; refused when there is no suspension, when
someone lifted it first, without a reason, and to anyone else. On the pages (two-factor
required, as under all of /moderation/) and through the API."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import SUSPENDED_FOR_GOOD, User
from api.services import api_token_create
from consultation import services as consultation_services
from consultation.models import Comment
from moderation import services
from moderation.models import ModerationAction, ReasonTemplate
from notifications.models import Notification

# The e-mails (invitations, moderation decisions) go through the notifications task: run
# at once here, as a worker would run it.
pytestmark = pytest.mark.usefixtures("eager")

Action = ModerationAction.Action


@pytest.fixture
def author(make_person, stakeholder_group):
    return make_person(
        "author@example.org", display_name="Ann Author", stakeholder_group=stakeholder_group
    )


@pytest.fixture
def moderator2(make_person):
    return make_person(
        "moderator2@example.org", groups=["Moderators"], display_name="Max Second", is_staff=True
    )


def comment(author, recommendation, body="A point.") -> Comment:
    return consultation_services.comment_create(
        author=author, recommendation=recommendation, body=body
    )


def suspend(moderator, author, recommendation, *, days=10, for_good=False) -> ModerationAction:
    """`moderator` suspends `author` over a comment of theirs."""
    return services.author_suspend(
        acting_user=moderator,
        content=comment(author, recommendation, "Spam, spam."),
        reason="Repeated spam.",
        until=None if for_good else timezone.now() + timedelta(days=days),
        for_good=for_good,
    )


@pytest.fixture
def suspended(author, moderator2, recommendation):
    """The author, suspended for ten days by moderator2; the suspension's row."""
    return suspend(moderator2, author, recommendation)


# -- The service ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_moderator_lifts_a_suspension_and_the_person_is_told(
    author, moderator, suspended, recommendation, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        row = services.suspension_lift(acting_user=moderator, user=author, reason="Served.")
        assert mail.outbox == []  # the e-mail waits for the commit
    for callback in callbacks:
        callback()

    author.refresh_from_db()
    assert author.suspended_until is None and not author.is_suspended
    row = ModerationAction.objects.get(pk=row.pk)
    assert (row.actor, row.action, row.subject_user, row.reason) == (
        moderator,
        Action.LIFT_SUSPENSION,
        author,
        "Served.",
    )
    # The person's account before and after; the row keeps the end the suspension had.
    assert (row.state_before, row.state_after) == ("suspended", "active")
    assert row.suspended_until == suspended.suspended_until
    assert row.content is None and row.consultation is None and row.content_label == ""
    # Told, but with nothing to appeal.
    assert Action.LIFT_SUSPENSION not in ModerationAction.DECISIONS
    assert not row.is_decision and not row.is_appealable
    with pytest.raises(services.ModerationRefused):
        services.appeal_create(acting_user=author, decision=row, text="Thanks.")
    notice = Notification.objects.filter(user=author).latest("pk")
    assert notice.kind == Notification.Kind.DECISION
    assert notice.message == "Your suspension is lifted: you may contribute again. Reason: Served."
    assert notice.url == reverse("moderation:decision", args=[row.pk])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["author@example.org"]
    assert message.subject == "[Plant to patient] Your account is no longer suspended"
    assert "Your suspension is lifted: you may contribute again." in message.body
    assert "Served." in message.body
    assert "appeal" not in message.body.lower()

    # They contribute again.
    assert comment(author, recommendation, "Back again.").pk


@pytest.mark.django_db
def test_lifting_costs_a_fixed_number_of_queries(
    author, moderator, suspended, django_assert_num_queries
):
    moderator = User.objects.get(pk=moderator.pk)  # no cached groups or permissions
    with django_assert_num_queries(9):
        # SAVEPOINT (the service's transaction, inside the test's); the moderator's groups
        # (the rule); the person's row, locked; its suspension cleared; the log's row; the
        # notification; the e-mail's outbox row; its id (for the task after the commit);
        # RELEASE SAVEPOINT. The e-mail is sent after the commit.
        services.suspension_lift(acting_user=moderator, user=author, reason="Served.")


@pytest.mark.django_db
def test_a_consultation_admin_lifts_a_suspension_for_good(
    author, consultation_admin, moderator2, recommendation
):
    suspend(moderator2, author, recommendation, for_good=True)
    row = services.suspension_lift(
        acting_user=consultation_admin, user=author, reason="Apology accepted."
    )
    assert row.suspended_until == SUSPENDED_FOR_GOOD
    author.refresh_from_db()
    assert not author.is_suspended


@pytest.mark.django_db
def test_lifting_twice_the_second_is_told_who_lifted_it(author, moderator, moderator2, suspended):
    services.suspension_lift(acting_user=moderator, user=author, reason="Served.")
    with pytest.raises(services.AlreadyDecided) as refused:
        services.suspension_lift(acting_user=moderator2, user=author, reason="Served too.")
    assert str(refused.value).startswith("Already lifted by Mo Derator (suspension lifted, ")
    assert str(refused.value).endswith("): Ann Author is not suspended.")
    assert ModerationAction.objects.filter(action=Action.LIFT_SUSPENSION).count() == 1


@pytest.mark.django_db
def test_a_suspension_overturned_on_appeal_is_already_lifted(
    author, moderator, moderator2, suspended, make_person
):
    appeal = services.appeal_create(acting_user=author, decision=suspended, text="Unfair.")
    services.appeal_decide(acting_user=moderator, appeal=appeal, outcome="overturn", reason="Yes.")
    with pytest.raises(services.AlreadyDecided, match="Already lifted by Mo Derator"):
        services.suspension_lift(acting_user=moderator2, user=author, reason="Served.")


@pytest.mark.django_db
def test_refusals_change_nothing(
    author, moderator, moderator2, stakeholder, suspended, make_person, recommendation
):
    rows = ModerationAction.objects.count()
    # A reason is owed, as for the other decisions about a person.
    with pytest.raises(ValidationError) as refused:
        services.suspension_lift(acting_user=moderator, user=author, reason="  ")
    assert refused.value.message_dict == {"reason": ["Give a reason: pick one or write it."]}
    # Only moderators and consultation admins.
    with pytest.raises(services.ModerationRefused, match="Only moderators lift suspensions."):
        services.suspension_lift(acting_user=stakeholder, user=author, reason="Served.")
    # Nobody lifts their own: not the person…
    with pytest.raises(services.ModerationRefused, match="Only moderators lift suspensions."):
        services.suspension_lift(acting_user=author, user=author, reason="Served.")
    # …nor a moderator suspended before they had the role.
    moderator2.suspended_until = timezone.now() + timedelta(days=3)
    moderator2.save(update_fields=["suspended_until"])
    with pytest.raises(services.ModerationRefused, match="lifted by another moderator"):
        services.suspension_lift(acting_user=moderator2, user=moderator2, reason="Mine.")
    author.refresh_from_db()
    assert author.is_suspended
    assert ModerationAction.objects.count() == rows

    # Nothing to lift: never suspended, or the suspension has ended.
    with pytest.raises(ValidationError, match="Sam Stakeholder is not suspended"):
        services.suspension_lift(acting_user=moderator, user=stakeholder, reason="Served.")
    stakeholder.suspended_until = timezone.now() - timedelta(days=1)
    stakeholder.save(update_fields=["suspended_until"])
    with pytest.raises(ValidationError, match="there is no suspension to lift"):
        services.suspension_lift(acting_user=moderator, user=stakeholder, reason="Served.")
    assert ModerationAction.objects.count() == rows


# -- The pages ------------------------------------------------------------------------------


def lift_url(person) -> str:
    return reverse("moderation:lift_suspension", args=[person.pk])


@pytest.mark.django_db
def test_the_item_page_links_to_lifting_and_a_moderator_lifts_it(
    client, author, moderator, with_totp, suspended
):
    client.force_login(with_totp(moderator))
    item = reverse("moderation:item", args=["comment", suspended.comment_id])
    html = client.get(item).content.decode()
    assert f'href="{lift_url(author)}?next=' in html and "Lift the suspension" in html

    page = client.get(lift_url(author), {"next": item})
    html = page.content.decode()
    assert page.status_code == 200
    day = timezone.localtime(suspended.suspended_until)
    assert f"Suspended until {day:%d %B %Y}" in html
    assert "Repeated spam." in html and 'id="lift-form"' in html

    template = ReasonTemplate.objects.create(
        title="Served", text="The suspension has served its purpose.", actions=["lift_suspension"]
    )
    response = client.post(
        lift_url(author),
        {"reason_template": template.pk, "reason": "Welcome back.", "next": item},
    )
    assert response.status_code == 302 and response["Location"] == item
    row = ModerationAction.objects.get(action=Action.LIFT_SUSPENSION)
    assert row.reason == "The suspension has served its purpose.\n\nWelcome back."
    html = client.get(item).content.decode()
    assert "The suspension of Ann Author is lifted: they may contribute again." in html
    assert "Lift the suspension" not in html
    assert "suspension lifted ×1" in html  # the author's history

    # Lifting again (a page still showing the suspension): the page says who lifted it.
    response = client.post(lift_url(author), {"reason": "Again."})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Already lifted by Mo Derator" in html and 'id="lift-form"' not in html
    assert "Not suspended: they may contribute." in html


@pytest.mark.django_db
def test_the_pages_refuse_with_a_message(
    client, author, moderator, stakeholder, with_totp, suspended
):
    client.force_login(with_totp(moderator))
    response = client.post(lift_url(author), {"reason": ""})
    assert response.status_code == 422
    assert "Give a reason: pick one or write it." in response.content.decode()

    # Someone never suspended.
    response = client.post(lift_url(stakeholder), {"reason": "Served."})
    assert response.status_code == 422
    assert "Sam Stakeholder is not suspended" in response.content.decode()
    assert client.post(reverse("moderation:lift_suspension", args=[999_999])).status_code == 404

    # One's own suspension.
    moderator.suspended_until = timezone.now() + timedelta(days=3)
    moderator.save(update_fields=["suspended_until"])
    assert 'id="lift-form"' not in client.get(lift_url(moderator)).content.decode()
    response = client.post(lift_url(moderator), {"reason": "Mine."})
    assert response.status_code == 403
    assert "Your own suspension is lifted by another moderator." in response.content.decode()

    # Not a moderator.
    client.force_login(stakeholder)
    assert client.get(lift_url(author)).status_code == 403
    assert client.post(lift_url(author), {"reason": "Served."}).status_code == 403
    assert not ModerationAction.objects.filter(action=Action.LIFT_SUSPENSION).exists()


@pytest.mark.django_db
def test_a_moderator_without_two_factor_is_sent_to_set_it_up(client, author, moderator, suspended):
    client.force_login(moderator)
    response = client.post(lift_url(author), {"reason": "Served."})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    author.refresh_from_db()
    assert author.is_suspended


@pytest.mark.django_db
def test_the_person_reads_it_without_an_appeal(client, author, moderator, suspended):
    row = services.suspension_lift(acting_user=moderator, user=author, reason="Served.")
    client.force_login(author)
    html = client.get(reverse("moderation:decision", args=[row.pk])).content.decode()
    assert "Your account is no longer suspended" in html
    assert "Suspension lifted" in html and "Served." in html
    assert "appeal" not in html.split("<main", 1)[-1].lower()


@pytest.mark.django_db
def test_the_log_filters_and_exports_it(
    client, author, moderator, moderator2, with_totp, recommendation, stakeholder
):
    until = suspend(moderator2, author, recommendation).suspended_until
    services.suspension_lift(acting_user=moderator, user=author, reason="Served.")
    suspend(moderator2, stakeholder, recommendation, for_good=True)
    services.suspension_lift(acting_user=moderator, user=stakeholder, reason="Sorry.")
    client.force_login(with_totp(moderator))
    url = reverse("moderation:log")
    html = client.get(url).content.decode()
    assert '<option value="lift_suspension">Suspension lifted</option>' in html
    html = client.get(url, {"action": "lift_suspension"}).content.decode()
    assert html.count('class="log-row action-lift_suspension"') == 2
    day = timezone.localtime(until)
    assert f"suspended until {day:%d %B %Y} → active" in html
    assert "suspended for good → active" in html

    response = client.get(url, {"format": "csv", "action": "lift_suspension"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[2:4] + r[6:] for r in rows[1:]] == [
        [
            "Mo Derator",
            "Suspension lifted",
            "Sam Stakeholder",
            "suspended for good",
            "active",
            "Sorry.",
        ],
        [
            "Mo Derator",
            "Suspension lifted",
            "Ann Author",
            f"suspended until {day.date().isoformat()}",
            "active",
            "Served.",
        ],
    ]


# -- The API --------------------------------------------------------------------------------


def api_as(person) -> APIClient:
    client = APIClient()
    _, key = api_token_create(user=person, name="test")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def api_url(person_or_pk) -> str:
    pk = getattr(person_or_pk, "pk", person_or_pk)
    return f"/api/moderation/people/{pk}/lift-suspension/"


@pytest.mark.django_db
def test_the_api_lifts_a_suspension(author, moderator, with_totp, suspended):
    response = api_as(with_totp(moderator)).post(
        api_url(author), {"reason": "Served."}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["action"] == "lift_suspension" and body["about"] == "Ann Author"
    assert (body["state_before"], body["state_after"]) == ("suspended", "active")
    assert body["actor"] == "Mo Derator" and body["reason"] == "Served."
    author.refresh_from_db()
    assert not author.is_suspended


@pytest.mark.django_db
def test_the_api_refuses_with_a_message(
    author, moderator, moderator2, stakeholder, with_totp, suspended
):
    with_totp(moderator)
    as_moderator = api_as(moderator)

    def error(response, status):
        assert response.status_code == status, response.content
        return response.json()["error"]

    refused = error(as_moderator.post(api_url(author), {}, format="json"), 400)
    assert refused["fields"] == {"reason": ["Give a reason: pick one or write it."]}
    refused = error(api_as(stakeholder).post(api_url(author), {"reason": "x"}, format="json"), 403)
    assert refused["message"] == "Only moderators may do this."
    # A moderator without two-factor authentication.
    refused = error(api_as(moderator2).post(api_url(author), {"reason": "x"}, format="json"), 403)
    assert "two-factor" in refused["message"]
    assert error(APIClient().post(api_url(author), {"reason": "x"}, format="json"), 401)
    error(as_moderator.post(api_url(999_999), {"reason": "x"}, format="json"), 404)
    refused = error(as_moderator.post(api_url(stakeholder), {"reason": "x"}, format="json"), 400)
    assert refused["message"] == (
        "Sam Stakeholder is not suspended: there is no suspension to lift."
    )
    moderator.suspended_until = timezone.now() + timedelta(days=3)
    moderator.save(update_fields=["suspended_until"])
    refused = error(as_moderator.post(api_url(moderator), {"reason": "x"}, format="json"), 403)
    assert refused["message"] == "Your own suspension is lifted by another moderator."
    assert not ModerationAction.objects.filter(action=Action.LIFT_SUSPENSION).exists()

    # Twice: the second is a conflict naming who lifted it.
    assert (
        as_moderator.post(api_url(author), {"reason": "Served."}, format="json").status_code == 201
    )
    refused = error(
        api_as(with_totp(moderator2)).post(api_url(author), {"reason": "x"}, format="json"), 409
    )
    assert refused["code"] == "already_decided"
    assert refused["message"].startswith("Already lifted by Mo Derator")
