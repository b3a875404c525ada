"""Erasure leaves no name behind (#17): a person who took part in everything (signed up and
confirmed their address, commented, replied and was replied to, took a position, proposed an
amendment that was accepted, flagged and was flagged, was moderated and appealed, was invited,
cited by the organisers' response, named in the admin's history, got notifications and a
digest through the outbox, used the API with an idempotency key...) deletes their account; a
dump of every table of the database, and of the cache, holds neither their name nor their
e-mail address, in any case of letters."""

import re
import smtplib
import uuid
from contextlib import contextmanager
from datetime import date
from unittest.mock import patch

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import account_delete, invitation_accept, invitation_create
from consultation import services as dialogue
from core import privacy
from digests import services as digests
from digests.models import DigestRecord
from moderation import services as moderation
from moderation.models import ModerationAction
from notifications import outbox
from notifications.models import FailedEmail, Notification, Outbox
from responses import services as responses
from results.models import ReportExport
from results.services import report_export_build, report_export_request

pytestmark = pytest.mark.usefixtures("eager")

PASSWORD = "a-long and unusual passphrase 42"
NAME = "Zebulon Quixley-Marchetti"
EMAIL = "zeb.quixley@erasure-test.example"
SECOND_EMAIL = "Z.Quixley@Second-Address.example"
# The tables that name them before the erasure (the dump is proved to see each).
NAMED_BEFORE = {
    "accounts_user",
    "accounts_invitation",
    "account_emailaddress",
    "api_idempotencykey",
    "digests_digestrecord",
    "django_admin_log",
    "django_session",
    "notifications_failedemail",
    "notifications_outbox",
    "results_reportexport",
}
# What must be gone: the name, the address, and the surname alone (it is in both), whatever
# the case of their letters.
NEEDLES = [NAME, EMAIL, "Quixley"]


def _text(value) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        if value.startswith(b"%PDF"):
            return _pdf_text(value)
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _pdf_text(data: bytes) -> str:
    """A stored PDF's words (its streams are compressed: a byte search would find nothing)."""
    from io import BytesIO

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages)


def _session_text(table: str, column: str, value: str) -> str:
    """A session's data is signed and encoded: decoded, as the site reads it."""
    if table == "django_session" and column == "session_data":
        from django.contrib.sessions.backends.db import SessionStore

        return f"{SessionStore().decode(value)} {value}"
    return value


def database_residue(needles=NEEDLES) -> list[str]:
    """Every (table, column) of every table whose text holds one of the needles."""
    found = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = _session_text(table, column, _text(value)).lower()
                    for needle in needles:
                        if needle.lower() in text:
                            found.append(f"{table}.{column}: {needle!r} in {text[:160]!r}")
    return found


def cache_residue(needles=NEEDLES) -> list[str]:
    """The test's cache (local memory): its keys and values, unpickled."""
    import pickle

    found = []
    for key, value in list(getattr(cache, "_cache", {}).items()):
        try:
            text = f"{key} {pickle.loads(value)!r}".lower()  # noqa: S301 (our own cache)
        except Exception:
            text = f"{key} {value!r}".lower()
        found += [f"cache {key}: {needle!r}" for needle in needles if needle.lower() in text]
    return found


def sign_up(client, stakeholder_group) -> User:
    """Through the sign-up form and the confirmation link of its e-mail (via the outbox)."""
    response = client.post(
        reverse("account_signup"),
        {
            "email": EMAIL,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": NAME,
            "organisation": "Patients for Access",
            "job_title": "Policy officer",
            "stakeholder_group": stakeholder_group.pk,
            "interests": "Board member of a patient association.",
            "accept_terms": "on",
            "accept_privacy": "on",
        },
    )
    assert response.status_code == 302
    link = re.search(r"https?://[^\s/]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    assert client.post(link.group(1)).status_code == 302
    user = User.objects.get(email=EMAIL)
    user.digest_frequency = User.DigestFrequency.DAILY
    user.save()
    return user


@contextmanager
def refusing(address: str):
    """The mail server refuses `address` (a permanent failure, quoting it)."""
    from notifications import emails

    send = emails.send_rendered

    def refuse(**message):
        if address in message["to"]:
            raise smtplib.SMTPRecipientsRefused({address: (550, b"5.1.1 No such mailbox")})
        return send(**message)

    with patch.object(emails, "send_rendered", refuse):
        yield


def admin_edits(staff: Client, person: User, **changes) -> None:
    """A staff member changes the person's profile on the admin's page (which writes its
    history row, LogEntry, naming the person as they read then)."""
    data = {
        "email": person.email,
        "display_name": person.display_name,
        "organisation": person.organisation,
        "job_title": person.job_title,
        "stakeholder_group": person.stakeholder_group_id,
        "transparency_register_id": "",
        "interests": person.interests,
        "is_active": "on",
        "language": person.language,
        "digest_frequency": person.digest_frequency,
        **changes,
    }
    url = reverse("admin:accounts_user_change", args=[person.pk])
    response = staff.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()


def api_post(client, url: str, data: dict, status: int = 200):
    """A write through the API, with an idempotency key (its answer is kept)."""
    response = client.post(
        url, data, content_type="application/json", headers={"idempotency-key": str(uuid.uuid4())}
    )
    assert response.status_code == status, response.content
    return response


@pytest.fixture
def world(
    client,
    stakeholder_group,
    make_person,
    recommendation,
    moderator,
    consultation_admin,
    team_member,
    second_team_member,
    django_capture_on_commit_callbacks,
    with_totp,
):
    """The person does everything the platform offers, and others do things to them."""
    # Invited first, to the address in capitals (an admin's spreadsheet), with their name.
    invitation = invitation_create(
        acting_user=consultation_admin, email=EMAIL.upper(), name=NAME.upper()
    )
    with django_capture_on_commit_callbacks(execute=True):
        person = sign_up(client, stakeholder_group)
    invitation_accept(invitation=invitation, user=person)
    # A second invitation, never accepted, to their address again (sent again later).
    other = make_person("olga@example.org", display_name="Olga Other")
    second = make_person("paul@example.org", display_name="Paul Payer")
    moderator_two = make_person(
        "mod2@example.org", groups=["Moderators"], display_name="Mia Moderator", is_staff=True
    )

    with django_capture_on_commit_callbacks(execute=True):
        comment = dialogue.comment_create(
            author=person, recommendation=recommendation, body="We need this soon."
        )
        reply = dialogue.comment_create(
            author=other, recommendation=recommendation, body="Why so soon?", parent=comment
        )
        dialogue.comment_create(
            author=person, recommendation=recommendation, body="Patients wait.", parent=reply
        )
        dialogue.comment_edit(comment=comment, acting_user=person, body="We need this now.")
        dialogue.position_take(
            author=person, recommendation=recommendation, stance="endorse", reason="Urgent."
        )
        amendment = dialogue.amendment_propose(
            author=person,
            recommendation=recommendation,
            title="Launch within a year",
            body="Regulators should publish guidance within a year.",
            justification="Patients wait.",
        )
        dialogue.amendment_endorse(amendment=amendment, user=other)
        # They report a comment; theirs is reported.
        offending = dialogue.comment_create(
            author=second, recommendation=recommendation, body="Buy cheap pills here."
        )
        moderation.flag_create(acting_user=person, content=offending, reason="spam")
        flagged = dialogue.comment_create(
            author=person, recommendation=recommendation, body="A sharp remark."
        )
        moderation.flag_create(acting_user=other, content=flagged, reason="off_topic")
    # It is hidden; the mail server refuses the decision's e-mail to their address (the
    # error, kept for the admin, quotes it).
    with refusing(EMAIL), django_capture_on_commit_callbacks(execute=True):
        hidden = moderation.content_decide(
            acting_user=moderator,
            content=flagged,
            action="hide",
            reason="Off topic.",
            expected_state="published",
        )
    assert FailedEmail.objects.filter(error__icontains=EMAIL).exists()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.author_warn(acting_user=moderator, content=flagged, reason="Stay on topic.")
        appeal = moderation.appeal_create(
            acting_user=person, decision=hidden, text="It was on topic."
        )
        moderation.appeal_decide(
            acting_user=moderator_two, appeal=appeal, outcome="overturn", reason="Fair point."
        )
        # The organisers' response cites their comment (and tells them).
        status = responses.response_statuses_ensure(consultation=recommendation.consultation)[0]
        response = responses.response_save(
            recommendation=recommendation,
            acting_user=team_member,
            status=status,
            text="We agree, as a participant pointed out.",
            comment_ids=[comment.pk],
        )
        responses.response_review(response=response, acting_user=second_team_member)
    # Their notifications' e-mails went through the outbox; Olga's reply notice names them.
    assert Outbox.objects.filter(status=Outbox.Status.SENT).exists()
    assert Notification.objects.filter(user=person).count() >= 4
    assert Notification.objects.filter(actor=person).exists()
    # Their daily digest, refused (the record keeps the error).
    with refusing(EMAIL):
        digests.digest_send_batch(
            frequency="daily", period_start=date.today(), user_ids=[person.pk, other.pk]
        )
    assert DigestRecord.objects.filter(error__icontains=EMAIL).exists()
    # A consultation admin edits their profile in the admin, then writes their name in
    # capitals: the admin's history names them both ways.
    admin = Client()
    admin.force_login(with_totp(consultation_admin))
    admin_edits(admin, person, organisation="Patients for Access (EU)")
    admin_edits(admin, person, display_name=NAME.upper())
    assert LogEntry.objects.filter(object_repr=NAME).exists()

    # Signed in, they use the API with an idempotency key; so does the admin, accepting
    # their amendment (the kept answer names its author).
    client.force_login(person)
    base = f"/api/consultations/demo/recommendations/{recommendation.reference}"
    api_post(client, f"{base}/comments/", {"body": "Through the API."}, 201)
    accepted = api_post(admin, f"{base}/amendments/{amendment.pk}/accept/", {"reason": "OK."})
    assert NAME.upper() in accepted.content.decode()
    # The report of the consultation, as PDF, quotes them.
    export, _created = report_export_request(
        consultation=recommendation.consultation, pillar=None, language="en"
    )
    report_export_build(export_id=export.pk)
    assert ReportExport.objects.get(pk=export.pk).status == ReportExport.Status.READY
    # A failed sign-in with their address (the throttle's counters, in the cache), and a
    # sign-in code asked for in another browser (its session holds the address).
    Client().post(reverse("account_login"), {"login": EMAIL, "password": "wrong"})
    elsewhere = Client()
    elsewhere.post(reverse("account_request_login_code"), {"email": EMAIL})

    # A second address, waiting for its confirmation.
    client.post(reverse("account_email"), {"action_add": "", "email": SECOND_EMAIL})
    assert mail.outbox[-1].to == [SECOND_EMAIL.lower()]

    # Before the erasure, the dump finds them wherever the world put them.
    named = {r.split(".")[0] for r in database_residue()}
    assert named >= NAMED_BEFORE, NAMED_BEFORE - named
    return {"person": person, "other": other, "client": client}


def assert_nothing_left():
    residue = database_residue() + cache_residue()
    assert not residue, "The erased person is still named:\n" + "\n".join(residue)


@pytest.mark.django_db
def test_after_erasure_no_table_names_the_person(world):
    account_delete(user=world["person"])
    assert_nothing_left()


@pytest.mark.django_db
def test_after_erasure_through_the_page_no_table_names_the_person(world):
    client = world["client"]
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(pk=world["person"].pk).deleted_at is not None
    assert_nothing_left()


@pytest.mark.django_db
def test_the_reply_notice_and_the_log_name_a_former_participant(world):
    person, other = world["person"], world["other"]
    account_delete(user=person)
    (notice,) = Notification.objects.filter(user=other, kind=Notification.Kind.REPLY)
    assert "Former participant replied to your comment" in notice.message
    rows = ModerationAction.objects.filter(subject_user=person)
    assert rows.exists() and {r.subject_user.public_name for r in rows} == {"Former participant"}


@pytest.mark.django_db
def test_undelivered_mail_to_an_erased_address_is_cancelled_never_sent(
    client, stakeholder_group, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = sign_up(client, stakeholder_group)
    # The worker is down: a password reset asked for now waits in the outbox.
    from accounts.tasks import send_account_email

    monkeypatch.setattr(send_account_email, "delay", lambda pk: None)
    mail.outbox.clear()
    Client().post(reverse("account_reset_password"), {"email": EMAIL.upper()})
    # And the confirmation of a second address they add.
    client.post(reverse("account_email"), {"action_add": "", "email": SECOND_EMAIL})
    waiting = list(Outbox.objects.filter(status=Outbox.Status.PENDING).order_by("pk"))
    assert [row.payload["to"] for row in waiting] == [[EMAIL], [SECOND_EMAIL.lower()]]

    account_delete(user=person)
    for row in Outbox.objects.filter(pk__in=[row.pk for row in waiting]):
        assert row.status == Outbox.Status.CANCELLED and row.payload == {}
    # The worker comes back: the sweep sends nothing to the address.
    outbox.outbox_deliver(outbox.outbox_due())
    assert mail.outbox == []
    assert_nothing_left()


def test_a_name_is_replaced_whole_whatever_its_case():
    """A short name is not the start of another word; an address is replaced in any case."""
    words = ["Al", "al@example.org"]
    text = "Already, AL wrote from AL@Example.org; Alma and Al-Anon stay."
    assert privacy.unname(text, words, "X") == "Already, X wrote from X; Alma and X-Anon stay."
    assert not privacy.names_any("Already Alma", words)


@pytest.mark.django_db
def test_a_message_cancelled_while_a_worker_sends_it_is_not_retried(monkeypatch):
    from notifications import emails

    pk = outbox.outbox_add_rendered(
        {"subject": "Code", "body": "1234", "to": [EMAIL], "alternatives": []}
    )

    def deleted_meanwhile_then_the_server_drops_the_line(**message):
        Outbox.objects.filter(pk=pk).update(status=Outbox.Status.CANCELLED, payload={})
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(emails, "send_rendered", deleted_meanwhile_then_the_server_drops_the_line)
    outbox.outbox_deliver([pk])
    assert Outbox.objects.get(pk=pk).status == Outbox.Status.CANCELLED
    assert outbox.outbox_due() == []


@pytest.mark.django_db
def test_a_name_someone_else_shares_stays_theirs(make_person, consultation_admin):
    """The admin's history rows about the erased account name "Former participant"; a row
    about another person who shares the first name keeps it."""
    from django.contrib.contenttypes.models import ContentType

    sam = make_person("sam@example.org", display_name="Sam")
    smith = make_person("smith@example.org", display_name="Sam Smith")
    for person in (sam, smith):
        LogEntry.objects.create(
            user=consultation_admin,
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(person.pk),
            object_repr=str(person),
            action_flag=2,
            change_message='[{"changed": {"fields": ["Display name"]}}]',
        )
    account_delete(user=sam)
    assert sorted(LogEntry.objects.values_list("object_repr", flat=True)) == [
        "Former participant",
        "Sam Smith",
    ]
