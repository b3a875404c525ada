"""Invitations: consultation admins invite people one by one or from a CSV file; the e-mail's
link opens a pre-filled sign-up form; signing up through it accepts the invitation."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Invitation, StakeholderGroup, User
from accounts.services import invitation_create, invitations_import_csv

# The e-mails (invitations, moderation decisions) go through the notifications task: run
# at once here, as a worker would run it.
pytestmark = pytest.mark.usefixtures("eager")

PASSWORD = "a-long and unusual passphrase 42"


@pytest.fixture
def admin_client(client, consultation_admin, with_totp):
    """A consultation admin, signed in, with two-factor authentication set up."""
    client.force_login(with_totp(consultation_admin))
    return client


def invite(acting_user, email="jane.doe@example.org", **fields):
    fields.setdefault("name", "Jane Doe")
    fields.setdefault("organisation", "Belgian Patients")
    fields.setdefault(
        "stakeholder_group", StakeholderGroup.objects.get(slug="patient-organisation")
    )
    return invitation_create(acting_user=acting_user, email=email, **fields)


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/signup/\?invitation=[\w-]+", message.body).group(0)


# -- The service -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_invites_and_the_email_goes_out_once_committed(
    consultation_admin, consultation_factory, django_capture_on_commit_callbacks
):
    consultation = consultation_factory(title="From plant to patient")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(
            consultation_admin, email="Jane.Doe@Example.org", consultation=consultation
        )
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()

    invitation.refresh_from_db()
    assert invitation.email == "jane.doe@example.org"
    assert invitation.invited_by == consultation_admin and invitation.sent_at is not None
    assert invitation.is_pending and invitation.status == "sent"
    assert len(invitation.token) >= 40

    (message,) = mail.outbox
    assert message.to == ["jane.doe@example.org"]
    assert message.subject == (
        "[Plant to patient] You are invited to take part in the consultation "
        "“From plant to patient”"
    )
    assert "Dear Jane Doe," in message.body and "Ada Admin invites you" in message.body
    link = link_in(message)
    assert link == f"{settings.SITE_URL}/accounts/signup/?invitation={invitation.token}"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'href="{link}"' in html.replace("&amp;", "&")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "stakeholder", "moderator"])
def test_only_consultation_admins_invite(role, request):
    from django.contrib.auth.models import AnonymousUser

    acting_user = AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        invite(acting_user)
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_an_address_with_an_account_or_a_pending_invitation_is_refused(
    consultation_admin, stakeholder, make_person
):
    with pytest.raises(ValidationError) as exc:
        invite(consultation_admin, email="STAKEHOLDER@example.org")
    assert exc.value.message_dict == {"email": ["stakeholder@example.org already has an account."]}

    # A secondary address of an account counts as well.
    other = make_person("main@example.org")
    EmailAddress.objects.create(user=other, email="second@example.org", verified=True)
    with pytest.raises(ValidationError, match="already has an account"):
        invite(consultation_admin, email="second@example.org")

    invite(consultation_admin, email="new@example.org")
    with pytest.raises(ValidationError) as exc:
        invite(consultation_admin, email="New@Example.org")
    assert "new@example.org already has a pending invitation" in exc.value.messages[0]

    with pytest.raises(ValidationError, match="not a valid e-mail address"):
        invite(consultation_admin, email="not-an-address")
    assert Invitation.objects.count() == 1


CSV = """\
email,name,organisation,stakeholder_group
ann@example.org,Ann A,Hospital AZ,hospital
bob@example.org,Bob B,Pharma NV,Industry (pharma)
not-an-address,Carl C,,academia
dee@example.org,Dee D,,astrology
stakeholder@example.org,Sam,,
ann@example.org,Ann again,,
eve@example.org,Eve E,"Payers, united",payer,extra

fay@example.org,,,
"""


@pytest.mark.django_db
def test_csv_import_invites_the_good_rows_and_reports_each_bad_one_by_line(
    consultation_admin, stakeholder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = invitations_import_csv(acting_user=consultation_admin, file_text=CSV)

    assert [i.email for i in report.created] == [
        "ann@example.org",
        "bob@example.org",
        "fay@example.org",
    ]
    assert report.errors == [
        "line 4: “not-an-address” is not a valid e-mail address.",
        "line 5: unknown stakeholder group “astrology”; use one of academia, citizen, government, "
        "hospital, industry-biotech, industry-pharma, patient-organisation, payer, policymaker.",
        "line 6: stakeholder@example.org already has an account.",
        "line 7: ann@example.org is already on line 2.",
        "line 8: 5 values where the header names 4 columns (a comma in a value needs quotes).",
    ]
    assert str(report) == "3 invitations sent, 5 problems"
    ann = Invitation.objects.get(email="ann@example.org")
    assert (ann.name, ann.organisation, ann.stakeholder_group.slug) == (
        "Ann A",
        "Hospital AZ",
        "hospital",
    )
    # The group by its name, as well as by its slug; none at all lets the person choose.
    assert Invitation.objects.get(email="bob@example.org").stakeholder_group.slug == (
        "industry-pharma"
    )
    assert Invitation.objects.get(email="fay@example.org").stakeholder_group is None
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@example.org",
        "bob@example.org",
        "fay@example.org",
    ]
    assert Invitation.objects.filter(sent_at__isnull=False).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "line 1: the file is empty"),
        (
            "mail,name\nann@example.org,Ann\n",
            "line 1: unknown column(s) “mail”; no “email” column.",
        ),
        ("email,name,email\n", "line 1: repeated column(s) email."),
    ],
)
def test_a_csv_header_that_cannot_be_read_imports_nothing(consultation_admin, text, error):
    report = invitations_import_csv(acting_user=consultation_admin, file_text=text)
    assert report.created == [] and len(report.errors) == 1
    assert report.errors[0].startswith(error)
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_csv_header_aliases_a_byte_order_mark_and_windows_line_ends_are_understood(
    consultation_admin,
):
    text = "\ufeffE-mail,Name,Organization,Stakeholder group\r\nann@example.org,Ann,AZ,payer\r\n"
    report = invitations_import_csv(acting_user=consultation_admin, file_text=text)
    assert report.errors == []
    (ann,) = report.created
    assert (ann.email, ann.organisation, ann.stakeholder_group.slug) == (
        "ann@example.org",
        "AZ",
        "payer",
    )


@pytest.mark.django_db
def test_csv_import_is_refused_to_a_stakeholder(stakeholder):
    with pytest.raises(PermissionDenied):
        invitations_import_csv(acting_user=stakeholder, file_text=CSV)
    assert not Invitation.objects.exists()


# -- Signing up through the link -----------------------------------------------------------------


def sign_up_form_data(client, token, **overrides):
    return {
        "email": "jane.doe@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "display_name": "Jane Doe",
        "organisation": "Belgian Patients",
        "job_title": "",
        "stakeholder_group": StakeholderGroup.objects.get(slug="patient-organisation").pk,
        "interests": "None.",
        "accept_terms": "on",
        "accept_privacy": "on",
        "invitation": token,
        **overrides,
    }


@pytest.mark.django_db
def test_the_link_prefills_the_signup_form_and_signing_up_accepts_the_invitation(
    client, consultation_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(consultation_admin)
    path = link_in(mail.outbox[0]).removeprefix(settings.SITE_URL)

    response = client.get(path)
    form = response.context["form"]
    assert form["email"].value() == "jane.doe@example.org"
    assert form["display_name"].value() == "Jane Doe"
    assert form["organisation"].value() == "Belgian Patients"
    assert form["stakeholder_group"].value() == invitation.stakeholder_group_id
    assert form["invitation"].value() == invitation.token
    assert f'name="invitation" value="{invitation.token}"' in response.content.decode()

    mail.outbox.clear()
    response = client.post(reverse("account_signup"), sign_up_form_data(client, invitation.token))
    assert response.status_code == 302

    user = User.objects.get(email="jane.doe@example.org")
    invitation.refresh_from_db()
    assert invitation.accepted_user == user and invitation.accepted_at is not None
    assert invitation.status == "accepted"
    # The invitation reached this address: it is verified, no verification e-mail is sent,
    # and the person is signed in at once.
    assert EmailAddress.objects.get(user=user).verified
    assert mail.outbox == []
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.consents.count() == 2

    # The link is spent: opening it again says so and fills in nothing.
    client.logout()
    response = client.get(path)
    assert "already been used or is no longer valid" in response.content.decode()
    assert response.context["form"]["email"].value() in (None, "")


@pytest.mark.django_db
def test_signing_up_with_another_address_accepts_but_still_verifies_that_address(
    client, consultation_admin
):
    invitation = invite(consultation_admin)
    data = sign_up_form_data(client, invitation.token, email="jane@elsewhere.example")
    assert client.post(reverse("account_signup"), data).status_code == 302

    user = User.objects.get(email="jane@elsewhere.example")
    invitation.refresh_from_db()
    assert invitation.accepted_user == user
    assert not EmailAddress.objects.get(user=user).verified
    assert mail.outbox[-1].to == ["jane@elsewhere.example"]  # the verification message
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_forged_token_changes_nothing(client, consultation_admin, stakeholder_group):
    invitation = invite(consultation_admin)
    data = sign_up_form_data(client, "forged-token")
    assert client.post(reverse("account_signup"), data).status_code == 302
    user = User.objects.get(email="jane.doe@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    invitation.refresh_from_db()
    assert invitation.is_pending


# -- The pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_each_invitation_with_its_status_and_who_accepted(
    admin_client, consultation_admin, make_person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = invite(consultation_admin, email="sent@example.org", name="Sent Person")
    accepted = invite(consultation_admin, email="taken@example.org")
    person = make_person("taken@example.org", display_name="Tara Taken")
    from accounts.services import invitation_accept

    invitation_accept(invitation=accepted, user=person)

    html = admin_client.get(reverse("accounts:invitations")).content.decode()
    row = re.search(rf'<tr id="invitation-{sent.pk}">.*?</tr>', html, re.S).group(0)
    assert "sent@example.org" in row and "Sent Person" in row and "Sent " in row
    row = re.search(rf'<tr id="invitation-{accepted.pk}">.*?</tr>', html, re.S).group(0)
    assert "Accepted" in row and "Tara Taken" in row
    assert "2 invitations" in html


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 12])
def test_the_list_makes_the_same_queries_whatever_its_length(
    admin_client, consultation_admin, make_person, count, django_assert_num_queries
):
    for n in range(count):
        invitation = invite(consultation_admin, email=f"p{n}@example.org")
        from accounts.services import invitation_accept

        invitation_accept(invitation=invitation, user=make_person(f"p{n}@example.org"))
    # The queries any page makes for this person (session, user, the menu's permission
    # checks), as the terms page makes them; then 1 the MFA middleware's TOTP check, 2 the
    # view's permission rule, 3 the count, 4 the invitations with inviter, person, group and
    # consultation.
    admin_client.get(reverse("accounts:terms"))  # fills the caches (the nav's consultation)
    with CaptureQueriesContext(connection) as layout:
        admin_client.get(reverse("accounts:terms"))
    with django_assert_num_queries(len(layout) + 4):
        response = admin_client.get(reverse("accounts:invitations"))
    assert response.status_code == 200
    assert response.content.decode().count('<tr id="invitation-') == count


@pytest.mark.django_db
def test_the_invite_form_sends_and_shows_refusals_in_the_form(
    admin_client, stakeholder, stakeholder_group, django_capture_on_commit_callbacks
):
    url = reverse("accounts:invitation_new")
    data = {
        "email": "stakeholder@example.org",
        "name": "Sam",
        "organisation": "",
        "stakeholder_group": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "stakeholder@example.org already has an account."
    ]
    assert not Invitation.objects.exists()

    data.update(email="kim@example.org", name="Kim", stakeholder_group=stakeholder_group.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data, follow=True)
    assert response.redirect_chain == [(reverse("accounts:invitations"), 302)]
    assert "The invitation to kim@example.org is on its way." in response.content.decode()
    assert mail.outbox[0].to == ["kim@example.org"]
    assert Invitation.objects.get().stakeholder_group == stakeholder_group


@pytest.mark.django_db
def test_the_csv_upload_shows_the_report_line_by_line(
    admin_client, stakeholder, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("people.csv", CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("accounts:invitation_import"), {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 invitations sent, 5 problems." in html
    errors = re.search(r'<ul class="import-errors">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"<li>(line \d+):", errors) == [
        "line 4",
        "line 5",
        "line 6",
        "line 7",
        "line 8",
    ]
    assert "line 6: stakeholder@example.org already has an account." in html
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused_in_the_form(admin_client):
    upload = SimpleUploadedFile("people.csv", "email\nzoë@example.org\n".encode("latin-1"))
    response = admin_client.post(reverse("accounts:invitation_import"), {"file": upload})
    assert response.status_code == 200
    assert "not UTF-8 text" in response.context["form"].errors["file"][0]
    assert not Invitation.objects.exists()


# -- The invitee's language ----------------------------------------------------------------------

NL_SUBJECT = (
    "[Plant to patient] U bent uitgenodigd om deel te nemen aan een raadpleging van belanghebbenden"
)
NL_IGNORE = "Als u niet wilt deelnemen, kunt u dit bericht negeren."


def subject_in(language: str) -> str:
    """The subject of an invitation to no consultation in particular, as the catalogue of
    `language` has it."""
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(language):
        text = render_to_string("emails/invitation-subject.txt", {"consultation": None})
    return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(text.split())


def language_of(message) -> str:
    html, _mimetype = message.alternatives[0]
    return re.search(r'<html lang="(\w+)">', html).group(1)


@pytest.mark.django_db
def test_an_invitation_goes_out_in_its_language_not_the_admins(
    consultation_admin, django_capture_on_commit_callbacks
):
    from django.utils import translation

    # The admin works in French; the invitee reads Dutch.
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        invitation = invite(consultation_admin, language="nl")
        by_default = invite(consultation_admin, email="jean@example.org", name="Jean")
    assert invitation.language == "nl"
    # Without one, the invitation is in the admin's current language.
    assert Invitation.objects.get(email="jean@example.org").language == "fr" == by_default.language

    dutch, french = mail.outbox
    assert dutch.subject == NL_SUBJECT == subject_in("nl")
    assert dutch.subject != subject_in("en")
    assert "Beste Jane Doe," in dutch.body and NL_IGNORE in dutch.body
    html = dutch.alternatives[0][0]
    assert language_of(dutch) == "nl" and "Beste Jane Doe," in html and NL_IGNORE in html
    # The link is the same whatever the language (the form takes it from the invitation).
    assert link_in(dutch).endswith(f"?invitation={invitation.token}")

    assert french.subject == subject_in("fr") != subject_in("en")
    assert language_of(french) == "fr"


@pytest.mark.django_db
def test_a_language_the_site_does_not_speak_is_refused(consultation_admin):
    with pytest.raises(ValidationError) as exc:
        invite(consultation_admin, language="es")
    assert list(exc.value.message_dict) == ["language"]
    assert "unknown language “es”" in exc.value.messages[0]
    assert not Invitation.objects.exists()


CSV_LANGUAGES = """\
email,name,language
ann@example.org,Ann,nl
bob@example.org,Bob,FR
cid@example.org,Cid,Deutsch
dee@example.org,Dee,es
eve@example.org,Eve,
fay@example.org,Fay,FRANCAIS
gil@example.org,Gil,nl-BE
hal@example.org,Hal,Klingon
"""


@pytest.mark.django_db
def test_csv_language_column_sends_each_line_in_its_language_and_reports_unknown_ones(
    consultation_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = invitations_import_csv(
            acting_user=consultation_admin, file_text=CSV_LANGUAGES, language="de"
        )

    languages = "en (English), nl (Nederlands), fr (Français), de (Deutsch)"
    assert report.errors == [
        f"line 5: unknown language “es”; use one of {languages}.",
        f"line 9: unknown language “Klingon”; use one of {languages}.",
    ]
    expected = {
        "ann@example.org": "nl",
        "bob@example.org": "fr",
        "cid@example.org": "de",
        "eve@example.org": "de",  # no language of its own: the one chosen for the file
        "fay@example.org": "fr",
        "gil@example.org": "nl",
    }
    assert {i.email: i.language for i in report.created} == expected
    assert dict(Invitation.objects.values_list("email", "language")) == expected
    sent = {m.to[0]: m for m in mail.outbox}
    assert sorted(sent) == sorted(expected)
    for email, language in expected.items():
        assert sent[email].subject == subject_in(language), email
        assert language_of(sent[email]) == language
    assert sent["ann@example.org"].subject == NL_SUBJECT


@pytest.mark.django_db
def test_csv_without_a_language_is_in_the_admins_language(consultation_admin):
    from django.utils import translation

    with translation.override("nl"):
        report = invitations_import_csv(
            acting_user=consultation_admin, file_text="email\nann@example.org\n"
        )
    assert report.errors == [] and report.created[0].language == "nl"


@pytest.mark.django_db
def test_the_invite_form_offers_the_language_the_admins_by_default(
    admin_client, consultation_admin, django_capture_on_commit_callbacks
):
    url = reverse("accounts:invitation_new")
    consultation_admin.language = "fr"
    consultation_admin.save(update_fields=["language"])
    response = admin_client.get(url)
    assert response.context["form"]["language"].value() == "fr"
    assert 'name="language"' in response.content.decode()

    data = {"email": "kim@example.org", "name": "Kim", "language": "nl"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302
    assert Invitation.objects.get().language == "nl"
    assert mail.outbox[0].subject == NL_SUBJECT


@pytest.mark.django_db
def test_the_csv_upload_page_documents_and_takes_the_language(
    admin_client, django_capture_on_commit_callbacks
):
    url = reverse("accounts:invitation_import")
    html = admin_client.get(url).content.decode()
    assert "email,name,organisation,stakeholder_group,language" in html
    assert "The language column may be left out" in html

    upload = SimpleUploadedFile("people.csv", CSV_LANGUAGES.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"file": upload, "language": "fr"})
    html = response.content.decode()
    assert "6 invitations sent, 2 problems." in html
    assert "line 5: unknown language “es”" in html and "line 9: unknown language" in html
    assert Invitation.objects.get(email="eve@example.org").language == "fr"
    assert len(mail.outbox) == 6


@pytest.mark.django_db
def test_the_link_shows_the_signup_form_in_the_invitations_language_and_keeps_it(
    client, consultation_admin
):
    from django.utils import translation

    invitation = invite(consultation_admin, language="nl")
    path = f"{reverse('account_signup')}?invitation={invitation.token}"
    # Restores the test's language after the requests (a request activates its own).
    with translation.override("en"):
        # The browser asks for French; the invitation is in Dutch, and the person has not
        # chosen a language on the site.
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="fr")
        html = response.content.decode()
        assert response["Content-Language"] == "nl"
        assert '<html lang="nl">' in html and "Uw naam" in html  # "Your name"
        assert response.context["form"]["email"].value() == "jane.doe@example.org"

        response = client.post(
            reverse("account_signup"),
            sign_up_form_data(client, invitation.token),
            HTTP_ACCEPT_LANGUAGE="fr",
        )
        assert response.status_code == 302
    user = User.objects.get(email="jane.doe@example.org")
    assert user.language == "nl"
    invitation.refresh_from_db()
    assert invitation.accepted_user == user


@pytest.mark.django_db
def test_a_language_chosen_with_the_switcher_wins_over_the_invitations(client, consultation_admin):
    from django.utils import translation

    invitation = invite(consultation_admin, language="nl")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    with translation.override("en"):
        response = client.get(f"{reverse('account_signup')}?invitation={invitation.token}")
        assert response["Content-Language"] == "de" and "Ihr Name" in response.content.decode()
        client.post(reverse("account_signup"), sign_up_form_data(client, invitation.token))
    assert User.objects.get(email="jane.doe@example.org").language == "de"


@pytest.mark.django_db
def test_resending_from_the_admin_uses_the_invitations_language(
    client, consultation_admin, with_totp, django_capture_on_commit_callbacks
):
    from django.utils import translation

    invitation = invite(consultation_admin, language="nl")
    consultation_admin.language = "fr"
    consultation_admin.save(update_fields=["language"])
    client.force_login(with_totp(consultation_admin))
    url = reverse("admin:accounts_invitation_changelist")
    with translation.override("en"):
        page = client.get(url).content.decode()
        assert "Nederlands" in page  # the list shows each invitation's language
        change = client.get(reverse("admin:accounts_invitation_change", args=[invitation.pk]))
        assert 'name="language"' in change.content.decode()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):  # queued when it commits
            response = client.post(
                url, {"action": "resend", "_selected_action": [invitation.pk]}, follow=True
            )
    assert response.status_code == 200
    (message,) = mail.outbox
    assert message.subject == NL_SUBJECT and NL_IGNORE in message.body
    assert language_of(message) == "nl"
