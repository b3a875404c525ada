"""Privacy rights: a person downloads everything the platform holds about them, and deletes
their account, which erases their personal data but keeps the discussions readable."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import PSEUDONYM, Consent, Invitation, User
from accounts.services import account_delete, invitation_accept, invitation_create
from api.models import ApiToken
from consultation import services as dialogue
from consultation.models import Amendment, Comment, Follow, Position
from notifications.models import Notification

PASSWORD = "correct horse battery staple"  # the factories' password


@pytest.fixture
def contributions(stakeholder, make_person, recommendation, recommendation_factory):
    """The stakeholder's comment (edited once) with someone's reply and their reply to that,
    a position, an amendment someone endorsed, their endorsement of someone's amendment, a
    follow and a notification."""
    from accounts.services import user_signup_complete

    user_signup_complete(user=stakeholder, data={})  # the consents given at sign-up
    other = make_person("other@example.org", display_name="Olga Other")
    comment = dialogue.comment_create(
        author=stakeholder, recommendation=recommendation, body="First thoughts."
    )
    dialogue.comment_edit(comment=comment, acting_user=stakeholder, body="Second thoughts.")
    reply = dialogue.comment_create(
        author=other, recommendation=recommendation, body="I disagree.", parent=comment
    )
    answer = dialogue.comment_create(
        author=stakeholder, recommendation=recommendation, body="Here is why.", parent=reply
    )
    dialogue.position_take(
        author=stakeholder, recommendation=recommendation, stance="oppose", reason="Too slow."
    )
    amendment = dialogue.amendment_propose(
        author=stakeholder,
        recommendation=recommendation,
        title="Faster launches",
        body="Launch within a year.",
        justification="Patients wait.",
    )
    dialogue.amendment_endorse(amendment=amendment, user=other)
    theirs = dialogue.amendment_propose(
        author=other,
        recommendation=recommendation,
        title="Other wording",
        body="Another text.",
        justification="Because.",
    )
    dialogue.amendment_endorse(amendment=theirs, user=stakeholder)
    from api.services import api_token_create
    from moderation.services import flag_create

    api_token_create(user=stakeholder, name="my script")
    flag_create(acting_user=stakeholder, content=reply, reason="off_topic")
    Notification.objects.create(
        user=stakeholder,
        kind=Notification.Kind.REPLY,
        recommendation=recommendation,
        message="Olga Other replied to your comment.",
    )
    return {"comment": comment, "reply": reply, "answer": answer, "amendment": amendment}


def download(client) -> dict:
    response = client.post(reverse("accounts:data_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="plant-to-patient-my-data-'
    )
    return json.loads(response.content)


# -- Download my data ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_offers_a_button_and_the_download_holds_everything(
    client, stakeholder, contributions, recommendation
):
    client.force_login(stakeholder)
    page = client.get(reverse("accounts:data_export")).content.decode()
    assert '<form method="post">' in page and "Download my data</button>" in page

    data = download(client)
    profile = data["profile"]
    assert profile["email"] == "stakeholder@example.org"
    assert profile["display_name"] == "Sam Stakeholder"
    assert profile["organisation"] == "Patients Together"
    assert profile["stakeholder_group"] == "Patient organisation"
    assert profile["declaration_of_interests"] == "None."
    assert data["preferences"]["digest_frequency"] == "weekly"
    assert {(c["document"], c["version"]) for c in data["consents"]} == set(
        Consent.objects.filter(user=stakeholder).values_list("document", "version")
    )
    assert len(data["consents"]) == 2
    assert data["email_addresses"] == [
        {"email": "stakeholder@example.org", "verified": True, "primary": True}
    ]

    comments = data["comments"]
    assert [c["body"] for c in comments] == ["Second thoughts.", "Here is why."]
    assert comments[0]["earlier_texts"][0]["body"] == "First thoughts."
    assert comments[1]["in_reply_to"] == contributions["reply"].pk
    assert comments[0]["recommendation"] == {
        "consultation": "demo",
        "reference": "P1-R1",
        "title": recommendation.title,
        "url": "http://127.0.0.1:8000/consultations/demo/recommendations/P1-R1/",
    }
    (position,) = data["positions"]
    assert (position["stance"], position["reason"], position["on_wording_version"]) == (
        "oppose",
        "Too slow.",
        1,
    )
    (amendment,) = data["amendments"]
    assert amendment["title"] == "Faster launches" and amendment["status"] == "open"
    assert [e["amendment"] for e in data["amendment_endorsements"]] == [
        Amendment.objects.get(title="Other wording").pk
    ]
    assert [f["recommendation"]["reference"] for f in data["follows"]] == ["P1-R1"]
    notifications = [n["message"] for n in data["notifications"]]
    assert "Olga Other replied to your comment." in notifications
    assert len(notifications) == Notification.objects.filter(user=stakeholder).count()
    (token,) = data["api_tokens"]
    assert token["name"] == "my script" and "key" not in token and "hashed_key" not in token
    assert [(f["on"], f["id"], f["reason"]) for f in data["flags_raised"]] == [
        ("comment", contributions["reply"].pk, "off_topic")
    ]
    assert data["appeals"] == []
    # Nothing of anyone else's.
    assert "I disagree." not in json.dumps(data)


@pytest.mark.django_db
def test_the_download_is_post_only_and_private(client, stakeholder):
    url = reverse("accounts:data_export")
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(stakeholder)
    assert client.put(url).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 6])
def test_the_download_makes_the_same_queries_whatever_the_number_of_contributions(
    client,
    stakeholder,
    recommendation_factory,
    consultation_factory,
    size,
    django_assert_num_queries,
):
    consultation = consultation_factory(slug="demo")
    for n in range(size):
        recommendation = recommendation_factory(pillar__consultation=consultation)
        comment = dialogue.comment_create(
            author=stakeholder, recommendation=recommendation, body=f"Comment {n}"
        )
        dialogue.comment_edit(comment=comment, acting_user=stakeholder, body=f"Edited {n}")
        dialogue.position_take(author=stakeholder, recommendation=recommendation, stance="endorse")
        dialogue.amendment_propose(
            author=stakeholder,
            recommendation=recommendation,
            title=f"T{n}",
            body=f"B{n}",
            justification="J",
        )
    client.force_login(stakeholder)
    # 1 session, 2 the user (authentication), 3 the user with group, 4 pillars of interest,
    # 5 roles, 6 consents, 7 addresses, 8 authenticators, 9 invitations; then each app's
    # privacy.py: 10 notifications (with their e-mails); 11 responses drafted or reviewed,
    # 12 response revisions, 13 implementation updates; 14 seed imports run, 15 wordings
    # credited; 16 comments, 17 their revisions, 18 positions, 19 amendments,
    # 20 endorsements, 21 follows; 22 flags raised, 23 moderation log rows about them,
    # 24 appeals; 25 API tokens, 26 idempotency keys; 27 opinion groups; 28 digests.
    with django_assert_num_queries(28):
        data = download(client)
    assert len(data["comments"]) == len(data["positions"]) == len(data["amendments"]) == size


# -- Delete my account -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_wrong_password_deletes_nothing(client, stakeholder):
    client.force_login(stakeholder)
    response = client.post(reverse("accounts:delete"), {"password": "not it"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"] == [
        "That is not your password. Nothing was deleted."
    ]
    stakeholder.refresh_from_db()
    assert stakeholder.is_active and stakeholder.deleted_at is None


@pytest.mark.django_db
def test_deleting_erases_personal_data_keeps_the_threads_and_ends_every_session(
    client, stakeholder, contributions, consultation_admin, with_totp
):
    # The person accepted an invitation, set up two-factor authentication and is signed in
    # on another device too.
    invitation = invitation_create(
        acting_user=consultation_admin, email="stakeholder-x@example.org"
    )
    invitation_accept(invitation=invitation, user=stakeholder)
    with_totp(stakeholder)
    stakeholder.transparency_register_id = "123456789012-34"
    stakeholder.job_title = "Director"
    stakeholder.save()
    other_device = Client()
    other_device.force_login(stakeholder)
    client.force_login(stakeholder)
    assert Session.objects.count() == 2

    page = client.get(reverse("accounts:delete")).content.decode()
    assert 'type="password"' in page and "Former participant" in page
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Your account is deleted." in response.content.decode()

    person = User.objects.get(pk=stakeholder.pk)
    assert person.email.startswith(f"deleted-{person.pk}-")
    assert person.email.endswith("@deleted.invalid")
    assert (
        person.display_name,
        person.organisation,
        person.job_title,
        person.interests,
        person.transparency_register_id,
    ) == ("", "", "", "", "")
    assert person.stakeholder_group is None and person.interests_declared_at is None
    assert not person.has_usable_password() and not person.check_password(PASSWORD)
    assert not person.is_active and person.deleted_at is not None
    assert person.public_name == str(person) == PSEUDONYM == "Former participant"
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not Authenticator.objects.filter(user=person).exists()
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert not ApiToken.objects.filter(user=person).exists()
    assert not Follow.objects.filter(user=person).exists()
    assert not Notification.objects.filter(user=person).exists()

    # Every session ended: this browser's and the other device's.
    assert Session.objects.count() == 0
    assert "_auth_user_id" not in client.session
    assert other_device.get(reverse("accounts:profile")).status_code == 302
    # Signing in with the old address and password fails.
    response = client.post(
        reverse("account_login"), {"login": "stakeholder@example.org", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session

    # The thread is intact, the person's part signed with the pseudonym.
    comment, reply, answer = (
        contributions["comment"],
        contributions["reply"],
        contributions["answer"],
    )
    thread = list(Comment.objects.filter(pk__in=[comment.pk, reply.pk, answer.pk]))
    assert [c.body for c in thread] == ["Second thoughts.", "I disagree.", "Here is why."]
    assert [c.author.public_name for c in thread] == [PSEUDONYM, "Olga Other", PSEUDONYM]
    reply.refresh_from_db()
    answer.refresh_from_db()
    assert reply.parent_id == comment.pk and answer.parent_id == reply.pk
    assert answer.root_id == comment.pk
    assert comment.revisions.count() == 1
    # Positions and amendments stay by default (DELETED_ACCOUNTS_KEEP_POSITIONS).
    assert Position.objects.filter(author=person).count() == 1
    assert Amendment.objects.get(pk=contributions["amendment"].pk).author == person
    # Their public page is gone.
    assert client.get(reverse("accounts:person", args=[person.pk])).status_code == 404


@pytest.mark.django_db
def test_positions_go_too_when_the_setting_says_so(settings, stakeholder, contributions):
    settings.DELETED_ACCOUNTS_KEEP_POSITIONS = False
    account_delete(user=stakeholder)
    assert not Position.objects.filter(author=stakeholder).exists()
    assert Comment.objects.filter(author=stakeholder).count() == 2
    assert Amendment.objects.filter(author=stakeholder).count() == 1


@pytest.mark.django_db
def test_the_address_is_free_again_after_deletion(
    client, stakeholder, stakeholder_group, consultation_admin
):
    account_delete(user=stakeholder)
    assert invitation_create(acting_user=consultation_admin, email="stakeholder@example.org")
    # and a second deleted account does not collide with the first one's placeholder
    second = User.objects.create_user("again@example.org", "pw")
    account_delete(user=second)
    assert User.objects.filter(email__endswith="@deleted.invalid").count() == 2
