"""The audit log records the consultation's administrative actions as it records the
moderators' decisions: accepting or rejecting an amendment (web and API) and verifying or
withdrawing a person's affiliation, each one row written with the change (who, what, when,
reason, state before and after), shown on the log page, in its CSV and in the API; a refused
or failed action writes none, and none of these rows can be appealed."""

import csv
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import affiliation_verify
from consultation import services
from consultation.models import Amendment
from moderation import services as moderation_services
from moderation.models import ModerationAction
from moderation.services import base as moderation_base
from notifications.models import Notification

# The e-mails (invitations, moderation decisions) go through the notifications task: run
# at once here, as a worker would run it.
pytestmark = pytest.mark.usefixtures("eager")

Action = ModerationAction.Action
TITLE = "Secure the supply of plant material"
BODY = "Regulators should publish clear guidance on plant material."
HTMX = {"HX-Request": "true"}  # a refusal answers 403 in place, not a redirect


@pytest.fixture
def author(make_person, stakeholder_group):
    return make_person(
        "author@example.org", display_name="Ann Author", stakeholder_group=stakeholder_group
    )


def propose(author, recommendation, body="Regulators publish binding guidance.") -> Amendment:
    return services.amendment_propose(
        author=author,
        recommendation=recommendation,
        title=TITLE,
        body=body,
        justification="Clear is not enough.",
    )


@pytest.fixture
def amendment(author, recommendation):
    return propose(author, recommendation)


def decide_url(amendment) -> str:
    rec = amendment.recommendation
    return reverse(
        "consultation:amendment_decide", args=[rec.consultation.slug, rec.reference, amendment.pk]
    )


def api_url(amendment, decision: str) -> str:
    rec = amendment.recommendation
    return (
        f"/api/consultations/{rec.consultation.slug}/recommendations/{rec.reference}"
        f"/amendments/{amendment.pk}/{decision}/"
    )


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def assert_amendment_row(row, *, actor, amendment, action, reason, after):
    assert row.actor == actor and row.action == action
    assert row.amendment == amendment and row.subject_user == amendment.author
    assert row.consultation == amendment.recommendation.consultation
    assert row.content_label == f"amendment #{amendment.pk} on P1-R1"
    assert (row.reason, row.state_before, row.state_after) == (reason, "open", after)
    # On the record, but no moderator's decision an author may appeal.
    assert not row.is_decision and not row.is_appealable


# -- Deciding on an amendment ---------------------------------------------------------------


@pytest.mark.django_db
def test_accepting_on_the_web_writes_one_row_and_no_extra_notice(
    client, moderator, with_totp, amendment, django_capture_on_commit_callbacks
):
    client.force_login(with_totp(moderator))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide_url(amendment), {"decision": "accept", "reason": "Agreed."})
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert amendment.status == "accepted"
    row = ModerationAction.objects.get()
    assert_amendment_row(
        row,
        actor=moderator,
        amendment=amendment,
        action=Action.ACCEPT_AMENDMENT,
        reason="Agreed.",
        after="accepted",
    )
    # The author hears of it once, by the amendment's own notice: no moderation notice, no
    # second e-mail.
    assert Notification.objects.filter(user=amendment.author).count() == 1
    assert len(mail.outbox) <= 1
    assert all(reverse("moderation:decision", args=[row.pk]) not in m.body for m in mail.outbox)


@pytest.mark.django_db
def test_rejecting_on_the_web_writes_one_row(client, consultation_admin, with_totp, amendment):
    client.force_login(with_totp(consultation_admin))
    response = client.post(decide_url(amendment), {"decision": "reject", "reason": "Out of scope."})
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert_amendment_row(
        ModerationAction.objects.get(),
        actor=consultation_admin,
        amendment=amendment,
        action=Action.REJECT_AMENDMENT,
        reason="Out of scope.",
        after="rejected",
    )


@pytest.mark.django_db
def test_accepting_and_rejecting_through_the_api_write_one_row_each(
    moderator, with_totp, author, recommendation
):
    first = propose(author, recommendation, body="First wording.")
    second = propose(author, recommendation, body="Second wording.")
    api = APIClient()
    api.force_authenticate(with_totp(moderator))
    rejected = api.post(api_url(second, "reject"), {"reason": "Out of scope."})
    assert rejected.status_code == 200, rejected.content
    accepted = api.post(api_url(first, "accept"), {"reason": "Agreed."})
    assert accepted.status_code == 200, accepted.content
    rows = list(ModerationAction.objects.order_by("pk"))
    assert len(rows) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert_amendment_row(
        rows[0],
        actor=moderator,
        amendment=second,
        action=Action.REJECT_AMENDMENT,
        reason="Out of scope.",
        after="rejected",
    )
    assert_amendment_row(
        rows[1],
        actor=moderator,
        amendment=first,
        action=Action.ACCEPT_AMENDMENT,
        reason="Agreed.",
        after="accepted",
    )


@pytest.mark.django_db
def test_a_refused_or_failed_decision_writes_no_row(
    client, moderator, stakeholder, author, with_totp, amendment, recommendation
):
    # Not a moderator: refused, on the web and through the API.
    client.force_login(stakeholder)
    refused = client.post(decide_url(amendment), {"decision": "accept"}, headers=HTMX)
    assert refused.status_code == 403
    api = APIClient()
    api.force_authenticate(stakeholder)
    assert api.post(api_url(amendment, "accept")).status_code == 403
    # A moderator without a reason to reject: refused before anything changes.
    client.force_login(with_totp(moderator))
    response = client.post(decide_url(amendment), {"decision": "reject", "reason": " "})
    assert response.status_code == 422
    # Written on wording that has changed since: its author must update it first.
    newer = propose(author, recommendation, body="A newer wording.")
    services.amendment_accept(amendment=newer, acting_user=moderator)
    assert ModerationAction.objects.count() == 1  # that acceptance's own row
    with pytest.raises(services.ContributionRefused):  # now outdated, no longer open
        services.amendment_accept(amendment=amendment, acting_user=moderator)
    # Already decided: a second decision is refused, the log keeps the first one only.
    assert api.post(api_url(newer, "reject"), {"reason": "Late."}).status_code == 403
    api.force_authenticate(moderator)
    assert api.post(api_url(newer, "reject"), {"reason": "Late."}).status_code == 403
    again = client.post(decide_url(newer), {"decision": "accept"}, headers=HTMX)
    assert again.status_code == 403
    assert list(ModerationAction.objects.values_list("action", "amendment")) == [
        (Action.ACCEPT_AMENDMENT, newer.pk)
    ]
    amendment.refresh_from_db()
    assert amendment.status == "outdated"


@pytest.mark.django_db
def test_the_decision_and_its_row_are_one_transaction(moderator, amendment, monkeypatch):
    """Should the row fail to be written, the decision is not taken either."""

    def broken(**kwargs):
        raise RuntimeError("The log is down.")

    monkeypatch.setattr(moderation_base, "_log", broken)  # the audit writer's
    with pytest.raises(RuntimeError):
        services.amendment_accept(amendment=amendment, acting_user=moderator, reason="Agreed.")
    amendment.refresh_from_db()
    assert (amendment.status, amendment.decided_by) == ("open", None)
    assert amendment.recommendation.versions.count() == 1
    assert not ModerationAction.objects.exists()


@pytest.mark.django_db
def test_an_amendment_decision_cannot_be_appealed(client, moderator, author, amendment):
    services.amendment_reject(amendment=amendment, acting_user=moderator, reason="No.")
    row = ModerationAction.objects.get()
    with pytest.raises(moderation_services.ModerationRefused):
        moderation_services.appeal_create(acting_user=author, decision=row, text="Unfair.")
    client.force_login(author)
    page = client.get(reverse("moderation:decision", args=[row.pk])).content.decode()
    assert "This decision cannot be appealed." in page


# -- Verifying an affiliation ---------------------------------------------------------------


@pytest.fixture
def admin_client(client, consultation_admin, with_totp):
    client.force_login(with_totp(consultation_admin))
    return client


@pytest.mark.django_db
def test_verifying_an_affiliation_in_the_admin_writes_one_row(
    admin_client, consultation_admin, stakeholder
):
    url = reverse("admin:accounts_user_changelist")
    admin_client.post(url, {"action": "verify_affiliation", "_selected_action": [stakeholder.pk]})
    row = ModerationAction.objects.get()
    assert (row.actor, row.action, row.subject_user) == (
        consultation_admin,
        Action.VERIFY_AFFILIATION,
        stakeholder,
    )
    assert (row.state_before, row.state_after) == ("unverified", "verified")
    assert row.content_label == "Patients Together" and row.content_kind == ""
    assert row.consultation is None and not row.is_appealable
    stakeholder.refresh_from_db()
    assert stakeholder.affiliation_verified_by == consultation_admin

    # Verifying again changes nothing and logs nothing; withdrawing is a row of its own.
    response = admin_client.post(
        url, {"action": "verify_affiliation", "_selected_action": [stakeholder.pk]}, follow=True
    )
    assert "Verified the affiliation of 0 people." in response.content.decode()
    assert ModerationAction.objects.count() == 1
    admin_client.post(url, {"action": "withdraw_affiliation", "_selected_action": [stakeholder.pk]})
    withdrawn = ModerationAction.objects.first()
    assert (withdrawn.action, withdrawn.actor, withdrawn.subject_user) == (
        Action.REVOKE_AFFILIATION,
        consultation_admin,
        stakeholder,
    )
    assert (withdrawn.state_before, withdrawn.state_after) == ("verified", "unverified")


@pytest.mark.django_db
def test_only_a_consultation_admin_verifies_and_a_refusal_writes_no_row(moderator, stakeholder):
    with pytest.raises(PermissionDenied):
        affiliation_verify(user=stakeholder, acting_user=moderator)
    assert not ModerationAction.objects.exists()
    assert User.objects.get(pk=stakeholder.pk).affiliation_verified_at is None


@pytest.mark.django_db
def test_the_service_keeps_a_reason(consultation_admin, stakeholder):
    affiliation_verify(
        user=stakeholder, acting_user=consultation_admin, reason=" Letter from the board. "
    )
    assert stakeholder.is_affiliation_verified  # the caller's instance, as before
    assert ModerationAction.objects.get().reason == "Letter from the board."


# -- The log: page, filters, CSV, API -------------------------------------------------------


@pytest.fixture
def logged(moderator, consultation_admin, author, stakeholder, recommendation):
    """One row of each: an amendment accepted, one rejected, an affiliation verified."""
    accepted = propose(author, recommendation, body="First wording.")
    rejected = propose(author, recommendation, body="Second wording.")
    services.amendment_reject(amendment=rejected, acting_user=moderator, reason="Out of scope.")
    services.amendment_accept(amendment=accepted, acting_user=moderator, reason="Agreed.")
    affiliation_verify(user=stakeholder, acting_user=consultation_admin)
    return accepted, rejected


@pytest.mark.django_db
def test_the_log_page_shows_and_filters_the_rows(client, moderator, with_totp, logged):
    accepted, rejected = logged
    client.force_login(with_totp(moderator))
    url = reverse("moderation:log")
    html = client.get(url).content.decode()
    assert html.count('class="log-row') == 3
    for action in (
        Action.ACCEPT_AMENDMENT,
        Action.REJECT_AMENDMENT,
        Action.VERIFY_AFFILIATION,
        Action.REVOKE_AFFILIATION,
    ):
        assert f'<option value="{action}"' in html  # the action filter offers it
    assert "action-accept_amendment" in html and "Amendment accepted" in html
    assert "open → accepted" in html and "open → rejected" in html
    assert "unverified → verified" in html
    assert "affiliation with Patients Together" in html and "Sam Stakeholder" in html
    item = reverse("moderation:item", args=["amendment", accepted.pk])
    assert f'<a href="{item}">amendment #{accepted.pk} on P1-R1</a>' in html

    html = client.get(url, {"action": "accept_amendment"}).content.decode()
    assert html.count('class="log-row') == 1 and "Agreed." in html
    html = client.get(url, {"action": "verify_affiliation"}).content.decode()
    assert html.count('class="log-row') == 1 and "Ada Admin" in html
    html = client.get(url, {"kind": "amendment", "consultation": "demo"}).content.decode()
    assert html.count('class="log-row') == 2
    # The amendment's own moderation page lists its decision, in words.
    page = client.get(reverse("moderation:item", args=["amendment", rejected.pk]))
    assert "Amendment rejected" in page.content.decode()
    assert "open → rejected" in page.content.decode()


@pytest.mark.django_db
def test_the_csv_export_has_the_rows(client, moderator, with_totp, logged, stakeholder):
    accepted, rejected = logged
    client.force_login(with_totp(moderator))
    url = reverse("moderation:log")
    rows = csv_rows(client.get(url, {"format": "csv"}))
    assert len(rows) == 4
    by_action = {row[3]: row for row in rows[1:]}
    assert set(by_action) == {"Amendment accepted", "Amendment rejected", "Affiliation verified"}
    assert by_action["Amendment accepted"][2:] == [
        "Mo Derator",
        "Amendment accepted",
        f"amendment #{accepted.pk} on P1-R1",
        "demo",
        "Ann Author",
        "open",
        "accepted",
        "Agreed.",
    ]
    assert by_action["Amendment rejected"][7:] == ["open", "rejected", "Out of scope."]
    assert by_action["Affiliation verified"][2:] == [
        "Ada Admin",
        "Affiliation verified",
        "Patients Together",
        "",
        "Sam Stakeholder",
        "unverified",
        "verified",
        "",
    ]
    filtered = csv_rows(client.get(url, {"format": "csv", "action": "reject_amendment"}))
    assert [row[0] for row in filtered[1:]] == [
        str(ModerationAction.objects.get(amendment=rejected).pk)
    ]


@pytest.mark.django_db
def test_the_api_log_has_the_rows(moderator, with_totp, logged):
    accepted, _rejected = logged
    api = APIClient()
    api.force_authenticate(with_totp(moderator))
    body = api.get("/api/moderation/log/").json()
    assert body["count"] == 3
    by_action = {row["action"]: row for row in body["results"]}
    accept = by_action["accept_amendment"]
    assert {k: accept[k] for k in ("actor", "kind", "content_id", "consultation", "about")} == {
        "actor": "Mo Derator",
        "kind": "amendment",
        "content_id": accepted.pk,
        "consultation": "demo",
        "about": "Ann Author",
    }
    assert (accept["reason"], accept["state_before"], accept["state_after"]) == (
        "Agreed.",
        "open",
        "accepted",
    )
    verify = by_action["verify_affiliation"]
    assert (verify["actor"], verify["about"], verify["kind"], verify["content_id"]) == (
        "Ada Admin",
        "Sam Stakeholder",
        "",
        None,
    )
    assert (verify["content_label"], verify["consultation"]) == ("Patients Together", None)
    assert (verify["state_before"], verify["state_after"]) == ("unverified", "verified")

    only = api.get("/api/moderation/log/", {"action": "reject_amendment"}).json()
    assert [row["action"] for row in only["results"]] == ["reject_amendment"]
    assert api.get("/api/moderation/log/", {"kind": "amendment"}).json()["count"] == 2
