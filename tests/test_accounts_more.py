"""What tests/test_accounts.py and tests/test_privacy.py leave out: password reset, password
change and change of e-mail address end to end through allauth's pages; "Download my data"
holding the moderation log about the person, their digests, invitations and wordings; and an
administrator's change of wording in the Django admin becoming a new version."""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, User
from accounts.selectors import user_data_export
from consultation import services as dialogue
from consultation.models import Amendment, GroupCount, Position
from notifications.models import Notification
from recommendations.models import Recommendation, RecommendationVersion

# The e-mails (invitations, moderation decisions) go through the notifications task: run
# at once here, as a worker would run it.
pytestmark = pytest.mark.usefixtures("eager")

PASSWORD = "correct horse battery staple"  # the factories' password
NEW_PASSWORD = "a fresh and rather unusual passphrase 77"
NOT_CORRECT = "The email address and/or password you specified are not correct."


def link_path(message, pattern: str) -> str:
    """The path of the first link in the e-mail that matches `pattern`."""
    link = re.search(rf"https?://[^\s/]+({pattern})", message.body)
    assert link, message.body
    return link.group(1)


def logs_in(client, email: str, password: str) -> bool:
    client.logout()
    client.post(reverse("account_login"), {"login": email, "password": password})
    return "_auth_user_id" in client.session


# -- Password reset, password change, change of address ----------------------------------------


@pytest.mark.django_db
def test_password_reset_from_the_e_mail_link_to_signing_in_with_the_new_password(
    client, stakeholder
):
    response = client.post(reverse("account_reset_password"), {"email": stakeholder.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [stakeholder.email]

    # The link holds the key once; allauth moves it into the session and drops it from the URL.
    response = client.get(link_path(message, r"/accounts/password/reset/key/\S+/"))
    assert response.status_code == 302
    set_password_url = response["Location"]
    assert set_password_url.endswith("-set-password/")
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")

    assert not logs_in(client, stakeholder.email, PASSWORD)
    assert logs_in(client, stakeholder.email, NEW_PASSWORD)
    # The link was for one use.
    client.logout()
    response = client.get(link_path(message, r"/accounts/password/reset/key/\S+/"), follow=True)
    assert response.context["token_fail"]


@pytest.mark.django_db
def test_password_reset_refuses_a_common_password(client, stakeholder):
    client.post(reverse("account_reset_password"), {"email": stakeholder.email})
    response = client.get(link_path(mail.outbox[-1], r"/accounts/password/reset/key/\S+/"))
    response = client.post(response["Location"], {"password1": "password", "password2": "password"})
    assert response.status_code == 200
    assert any("too common" in e for e in response.context["form"].errors["password1"])
    assert logs_in(client, stakeholder.email, PASSWORD)


@pytest.mark.django_db
def test_password_change_asks_for_the_current_password(client, stakeholder):
    client.force_login(stakeholder)
    url = reverse("account_change_password")
    new = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post(url, {"oldpassword": "not my password", **new})
    assert response.status_code == 200
    assert response.context["form"].errors["oldpassword"] == ["Please type your current password."]
    stakeholder.refresh_from_db()
    assert stakeholder.check_password(PASSWORD)

    response = client.post(url, {"oldpassword": PASSWORD, **new})
    assert response.status_code == 302
    # ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE is off: the session that changed it stays signed in.
    assert client.session["_auth_user_id"] == str(stakeholder.pk)
    assert not logs_in(client, stakeholder.email, PASSWORD)
    assert logs_in(client, stakeholder.email, NEW_PASSWORD)


@pytest.mark.django_db
def test_changing_the_e_mail_address_takes_effect_once_the_new_one_is_confirmed(
    client, stakeholder
):
    """ACCOUNT_CHANGE_EMAIL is on: a person has one address. The new one waits, unverified,
    beside the old; confirming it makes it the primary address and removes the old one
    (allauth does both: there is no separate "make primary" or "remove" step)."""
    client.force_login(stakeholder)
    new = "sam.new@example.org"
    response = client.post(reverse("account_email"), {"action_add": "", "email": new})
    assert response.status_code == 302
    assert set(
        EmailAddress.objects.filter(user=stakeholder).values_list("email", "verified", "primary")
    ) == {(stakeholder.email, True, True), (new, False, False)}
    (message,) = mail.outbox
    assert message.to == [new]
    # Until it is confirmed, the old address is the login and the account's address.
    assert logs_in(client, stakeholder.email, PASSWORD)
    assert User.objects.get(pk=stakeholder.pk).email == stakeholder.email

    response = client.post(link_path(message, r"/accounts/confirm-email/\S+/"))
    assert response.status_code == 302
    assert list(
        EmailAddress.objects.filter(user=stakeholder).values_list("email", "verified", "primary")
    ) == [(new, True, True)]
    assert User.objects.get(pk=stakeholder.pk).email == new
    assert not logs_in(client, "stakeholder@example.org", PASSWORD)
    assert logs_in(client, new, PASSWORD)


@pytest.mark.django_db
def test_another_persons_address_cannot_be_taken_over(client, stakeholder, make_person):
    """allauth prevents enumeration: adding an address someone else uses looks the same as
    any other, but the confirmation goes to that address and cannot move it."""
    other = make_person("taken@example.org")
    client.force_login(stakeholder)
    client.post(reverse("account_email"), {"action_add": "", "email": "taken@example.org"})
    assert [m.to for m in mail.outbox] == [["taken@example.org"]]
    for message in mail.outbox:
        path = re.search(r"https?://[^\s/]+(/accounts/confirm-email/\S+/)", message.body)
        if path:
            client.post(path.group(1))
    assert list(
        EmailAddress.objects.filter(email="taken@example.org", verified=True).values_list(
            "user", "primary"
        )
    ) == [(other.pk, True)]
    assert not EmailAddress.objects.filter(user=stakeholder, verified=True).exclude(
        email="stakeholder@example.org"
    )
    assert User.objects.get(pk=stakeholder.pk).email == "stakeholder@example.org"
    assert logs_in(client, "taken@example.org", PASSWORD)
    assert client.session["_auth_user_id"] == str(other.pk)


# -- Download my data: the moderation log, digests, invitations, wordings ------------------------


def moderated_history(*, person, recommendation, moderator, other_moderator, size: int):
    """`size` of each: the person's comments hidden by a moderator (and reported by someone
    first), warnings, digests, notifications e-mailed, API tokens; and one suspension, one
    appeal heard by another moderator, one accepted amendment and one invitation."""
    from accounts.services import invitation_accept, invitation_create
    from api.services import api_token_create
    from digests.models import DigestRecord
    from moderation import services as moderation
    from notifications.models import NotificationEmail

    reporter = User.objects.get(email="stakeholder@example.org")
    comments = []
    for n in range(size):
        comment = dialogue.comment_create(
            author=person, recommendation=recommendation, body=f"Comment {n}"
        )
        comments.append(comment)
        moderation.flag_create(
            acting_user=reporter,
            content=comment,
            reason="other",
            text=f"It's Sam from Patients Together writing {n}",
        )
        moderation.content_decide(
            acting_user=moderator,
            content=comment,
            action="hide",
            reason=f"Personal attack {n}",
            expected_state="published",
        )
        moderation.author_warn(acting_user=moderator, content=comment, reason=f"Be civil {n}")
        record = DigestRecord.objects.create(
            user=person,
            frequency="weekly",
            period_start=timezone.localdate() - timezone.timedelta(weeks=n + 1),
            status="sent",
            sent_at=timezone.now(),
        )
        assert record.pk
        api_token_create(user=person, name=f"script {n}")
    suspension = moderation.author_suspend(
        acting_user=moderator, content=comments[0], reason="Repeated attacks", for_good=True
    )
    appeal = moderation.appeal_create(
        acting_user=person, decision=suspension, text="I was provoked."
    )
    moderation.appeal_decide(
        acting_user=other_moderator, appeal=appeal, outcome="overturn", reason="Fair point."
    )
    amendment = dialogue.amendment_propose(
        author=person,
        recommendation=recommendation,
        title="Sharper",
        body="A sharper text.",
        justification="Clarity.",
    )
    dialogue.amendment_accept(amendment=amendment, acting_user=moderator, reason="Agreed.")
    admin = User.objects.get(email="admin@example.org")
    invitation = invitation_create(
        acting_user=admin, email="pat.work@example.org", name="Pat Person", organisation="Clinic"
    )
    invitation_accept(invitation=invitation, user=person)
    for notification in Notification.objects.filter(user=person):
        NotificationEmail.objects.create(
            notification=notification, status="sent", sent_at=timezone.now()
        )


@pytest.fixture
def person(make_person):
    return make_person("pat@example.org", display_name="Pat Person")


@pytest.fixture
def other_moderator(make_person):
    return make_person("mod2@example.org", groups=["Moderators"], display_name="Max Second")


@pytest.mark.django_db
def test_the_download_holds_the_moderation_log_about_them_without_naming_moderators(
    client,
    person,
    stakeholder,
    moderator,
    other_moderator,
    consultation_admin,
    recommendation,
):
    moderated_history(
        person=person,
        recommendation=recommendation,
        moderator=moderator,
        other_moderator=other_moderator,
        size=1,
    )
    Invitation.objects.create(email="PAT@example.org", token="t" * 40)
    Invitation.objects.create(email="someone.else@example.org", token="u" * 40)
    client.force_login(person)
    response = client.post(reverse("accounts:data_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="plant-to-patient-')
    data = json.loads(response.content)
    text = response.content.decode()

    rows = data["moderation_actions_about_you"]
    assert [(r["action"], r["by"]) for r in rows] == [
        ("flag", "another participant"),
        ("hide", "a moderator or administrator"),
        ("warn", "a moderator or administrator"),
        ("suspend", "a moderator or administrator"),
        ("appeal", "you"),
        ("overturn", "a moderator or administrator"),
        ("accept_amendment", "a moderator or administrator"),
    ]
    by_action = {r["action"]: r for r in rows}
    comment_pk = by_action["hide"]["id"]
    assert by_action["hide"] | {"created_at": None, "url": None} == {
        "action": "hide",
        "by": "a moderator or administrator",
        "on": "comment",
        "id": comment_pk,
        "about": f"comment #{comment_pk} on P1-R1",
        "consultation": "demo",
        "reason": "Personal attack 0",
        "state_before": "published",
        "state_after": "hidden",
        "suspended_until": None,
        "appeal": None,
        "created_at": None,
        "url": None,
    }
    hide = by_action["hide"]
    assert hide["url"].endswith(f"/moderation/decisions/{_log_pk('hide')}/")
    assert by_action["warn"]["reason"] == "Be civil 0"
    assert by_action["suspend"]["reason"] == "Repeated attacks"
    assert by_action["suspend"]["suspended_until"].startswith("9999-12-31")
    assert by_action["overturn"]["reason"] == "Fair point."
    assert by_action["appeal"]["reason"] == "I was provoked."
    # A report keeps its category; the reporter's own words (which could name them) stay out.
    assert by_action["flag"]["reason"] == "Something else (say what)"
    assert "Patients Together writing" not in text
    # No moderator, administrator or reporter is named anywhere in the moderation rows.
    for name in ("Mo Derator", "Max Second", "Sam Stakeholder", "moderator@example.org"):
        assert name not in json.dumps(rows)
    assert "Mo Derator" not in text and "Max Second" not in text

    (appeal,) = data["appeals"]
    assert appeal["state"] == "overturned" and appeal["outcome_reason"] == "Fair point."
    assert data["profile"]["suspended_until"] is None  # lifted on appeal

    (digest,) = data["digests"]
    assert digest == {
        "frequency": "weekly",
        "period_start": (timezone.localdate() - timezone.timedelta(weeks=1)).isoformat(),
        "status": "sent",
        "sent_at": digest["sent_at"],
    }
    assert digest["sent_at"]

    (token,) = data["api_tokens"]
    assert set(token) == {"name", "prefix", "created_at", "last_used_at", "revoked_at"}
    from api.models import ApiToken

    assert ApiToken.objects.get(user=person).hashed_key not in text

    accepted, pending = data["invitations"]
    assert (accepted["email"], accepted["name"], accepted["organisation"]) == (
        "pat.work@example.org",
        "Pat Person",
        "Clinic",
    )
    assert accepted["accepted_at"] and accepted["invited_by"] == "Ada Admin"
    # One sent to their address before they signed up without it: still about them.
    assert (pending["email"], pending["accepted_at"]) == ("PAT@example.org", None)

    (wording,) = data["wordings_credited"]
    assert (wording["version"], wording["title"], wording["recommendation"]["reference"]) == (
        2,
        "Sharper",
        "P1-R1",
    )
    (amendment,) = data["amendments"]
    assert amendment["status"] == "accepted" and amendment["resulting_wording_version"] == 2

    assert all(n["emailed_at"] for n in data["notifications"])
    assert {n["kind"] for n in data["notifications"]} == {"decision", "appeal"}


def _log_pk(action: str) -> int:
    from moderation.models import ModerationAction

    return ModerationAction.objects.get(action=action).pk


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 5])
def test_the_download_makes_the_same_queries_however_long_the_history(
    person,
    stakeholder,
    moderator,
    other_moderator,
    consultation_admin,
    recommendation,
    size,
    django_assert_num_queries,
):
    moderated_history(
        person=person,
        recommendation=recommendation,
        moderator=moderator,
        other_moderator=other_moderator,
        size=size,
    )
    # 1 the user with group, 2 pillars of interest, 3 roles, 4 consents, 5 addresses,
    # 6 authenticators, 7 invitations; then each app's privacy.py: 8 notifications (with
    # their e-mails); 9 responses drafted or reviewed, 10 response revisions,
    # 11 implementation updates; 12 seed imports run, 13 wordings credited; 14 comments,
    # 15 their revisions, 16 positions, 17 amendments, 18 endorsements, 19 follows; 20 flags
    # raised, 21 the moderation log's rows about them, 22 appeals; 23 API tokens,
    # 24 idempotency keys; 25 opinion groups; 26 digests.
    with django_assert_num_queries(26):
        data = user_data_export(user=person)
    assert len(data["digests"]) == len(data["api_tokens"]) == size
    assert len(data["moderation_actions_about_you"]) == 3 * size + 4


# -- A change of wording in the Django admin --------------------------------------------------


def change_form_data(client, url: str, **changes) -> dict:
    """What the admin's change form posts back untouched, with `changes` applied."""
    response = client.get(url)
    assert response.status_code == 200
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = value if value is not True else "on"

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            add(form)
    data.update(changes)
    return data


@pytest.fixture
def admin_client(client, consultation_admin, with_totp):
    client.force_login(with_totp(consultation_admin))
    return client


def change_url(recommendation) -> str:
    return reverse("admin:recommendations_recommendation_change", args=[recommendation.pk])


@pytest.mark.django_db
def test_an_admins_new_wording_becomes_a_credited_version_and_position_holders_are_told(
    admin_client, consultation_admin, stakeholder, make_person, recommendation
):
    dialogue.position_take(author=stakeholder, recommendation=recommendation, stance="endorse")
    reader = make_person("reader@example.org", language="nl")
    dialogue.position_take(
        author=reader, recommendation=recommendation, stance="oppose", reason="Too vague."
    )
    amendment = dialogue.amendment_propose(
        author=reader,
        recommendation=recommendation,
        title="Other",
        body="Another text.",
        justification="Because.",
    )
    url = change_url(recommendation)
    form = admin_client.get(url).content.decode()
    assert "Reason for the change" in form

    data = change_form_data(
        admin_client,
        url,
        body="What should be done, and by when.",
        wording_change_reason="Clarified after the panel's review.",
        status="under_review",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    recommendation.refresh_from_db()
    assert recommendation.body == "What should be done, and by when."
    assert recommendation.status == "under_review"  # the other fields are saved as usual
    version = recommendation.versions.get(number=2)
    assert (version.title, version.body) == (recommendation.title, recommendation.body)
    assert version.author == consultation_admin
    assert version.reason == "Clarified after the panel's review."
    assert list(recommendation.versions.values_list("number", flat=True)) == [2, 1]
    # Positions stay on the wording they were taken on; their holders are asked to confirm.
    assert set(Position.objects.values_list("version__number", flat=True)) == {1}
    html = admin_client.get(recommendation.get_absolute_url()).content.decode()
    assert html.count("on an earlier wording (version 1)") == 2
    notices = Notification.objects.filter(kind=Notification.Kind.WORDING_CHANGE)
    assert {n.user for n in notices} == {stakeholder, reader}
    assert "P1-R1 has new wording (version 2)" in notices.get(user=stakeholder).message
    assert "nieuwe formulering" in notices.get(user=reader).message  # in their language
    # An amendment of the earlier wording can no longer be accepted as it is; its author is
    # told so, in their language, with a link to it.
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.OUTDATED
    (outdated,) = Notification.objects.filter(kind=Notification.Kind.DECISION)
    assert outdated.user == reader
    assert outdated.url.endswith(f"/amendments/{amendment.pk}/")
    assert outdated.message.startswith("De formulering van P1-R1 is gewijzigd")


@pytest.mark.django_db
def test_a_change_of_wording_without_a_reason_is_refused_and_nothing_changes(
    admin_client, stakeholder, recommendation
):
    dialogue.position_take(author=stakeholder, recommendation=recommendation, stance="endorse")
    url = change_url(recommendation)
    data = change_form_data(admin_client, url, title="A new title", status="under_review")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["wording_change_reason"] == ["Give a reason for the change of wording."]

    fresh = Recommendation.objects.get(pk=recommendation.pk)
    assert (fresh.title, fresh.status) == (recommendation.title, "open")
    assert fresh.versions.count() == 1
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_other_changes_need_no_reason_and_leave_the_wording_alone(admin_client, recommendation):
    url = change_url(recommendation)
    recommendation.body = "Line one.\nLine two."
    recommendation.save()
    # A browser sends the textarea's line breaks as CRLF: that is no change of wording.
    data = change_form_data(
        admin_client, url, body="Line one.\r\nLine two.", rationale="Why it matters."
    )
    assert admin_client.post(url, data).status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.rationale == "Why it matters."
    assert recommendation.body == "Line one.\nLine two."
    assert recommendation.versions.count() == 1


@pytest.mark.django_db
def test_a_recommendation_added_in_the_admin_gets_its_first_version(
    admin_client, consultation_admin, recommendation
):
    url = reverse("admin:recommendations_recommendation_add")
    response = admin_client.get(url)
    assert "Reason for the change" not in response.content.decode()
    data = {
        "consultation": recommendation.consultation_id,
        "pillar": recommendation.pillar_id,
        "reference": "P1-R9",
        "position": 9,
        "title": "A new recommendation",
        "title_source": "editorial",
        "body": "Its text.",
        "source": "panel",
        "status": "open",
        "recommendationadvocate_set-TOTAL_FORMS": 0,
        "recommendationadvocate_set-INITIAL_FORMS": 0,
        "versions-TOTAL_FORMS": 0,
        "versions-INITIAL_FORMS": 0,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = Recommendation.objects.get(reference="P1-R9")
    (version,) = added.versions.all()
    assert (version.number, version.title, version.body, version.author) == (
        1,
        "A new recommendation",
        "Its text.",
        consultation_admin,
    )


@pytest.mark.django_db
def test_the_reword_service_checks_permission_reason_and_change(
    stakeholder, consultation_admin, recommendation
):
    from django.core.exceptions import PermissionDenied, ValidationError

    from recommendations.services import recommendation_reword

    with pytest.raises(PermissionDenied):
        recommendation_reword(
            recommendation=recommendation,
            acting_user=stakeholder,
            title="T",
            body="B",
            reason="Because.",
        )
    with pytest.raises(ValidationError) as error:
        recommendation_reword(
            recommendation=recommendation,
            acting_user=consultation_admin,
            title="T",
            body="B",
            reason="  ",
        )
    assert error.value.message_dict == {"reason": ["Give a reason for the change of wording."]}
    with pytest.raises(ValidationError, match="same as the current one"):
        recommendation_reword(
            recommendation=recommendation,
            acting_user=consultation_admin,
            title=recommendation.title,
            body=recommendation.body,
            reason="Because.",
        )
    assert not RecommendationVersion.objects.filter(number=2).exists()


@pytest.mark.django_db
def test_an_admins_move_to_another_pillar_moves_the_recommendations_participation(
    admin_client, stakeholder, recommendation, pillar_factory
):
    dialogue.position_take(author=stakeholder, recommendation=recommendation, stance="endorse")
    other = pillar_factory(consultation=recommendation.consultation)
    url = change_url(recommendation)
    response = admin_client.post(url, change_form_data(admin_client, url, pillar=other.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    # The report's participation by pillar (the summary GroupCount) follows the move.
    rows = GroupCount.objects.filter(participants__gt=0)
    assert set(rows.values_list("pillar_key", flat=True)) == {0, other.pk}
