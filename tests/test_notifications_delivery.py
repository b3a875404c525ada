"""The one send path of the e-mails an app writes itself (notifications.mailer): queued when
the change commits, so that a failing mail server never turns a saved change into an error;
retried with backoff on a temporary failure; given up on after the last retry or at once on a
permanent failure, and then recorded for the admin."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from accounts.models import Invitation
from accounts.services import invitation_create
from consultation import services as dialogue
from moderation import services as moderation
from moderation.models import ModerationAction
from notifications import mailer
from notifications.models import FailedEmail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager")]


@pytest.fixture
def mail_server(monkeypatch):
    """The mail server's answers, one per message sent: an exception, or None to accept."""
    answers: list[Exception | None] = []
    send_messages = EmailBackend.send_messages

    def answer(self, messages):
        failure = answers.pop(0) if answers else None
        if failure is not None:
            raise failure
        return send_messages(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", answer)
    return answers


def _invite(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return invitation_create(acting_user=admin, email="kim@example.org")


def test_a_temporary_failure_is_retried_and_the_invitation_goes_out_once(
    consultation_admin, mail_server, django_capture_on_commit_callbacks
):
    mail_server += [ConnectionError("refused"), smtplib.SMTPServerDisconnected("gone")]
    invitation = _invite(consultation_admin, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["kim@example.org"]]  # on the third try
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert not FailedEmail.objects.exists()


def test_a_permanent_failure_keeps_the_invitation_and_is_recorded_for_the_admin(
    consultation_admin, mail_server, django_capture_on_commit_callbacks, admin_client_with_mfa
):
    mail_server.append(smtplib.SMTPRecipientsRefused({"kim@example.org": (550, b"No such user")}))
    invitation = _invite(consultation_admin, django_capture_on_commit_callbacks)  # no error
    assert mail.outbox == []
    assert Invitation.objects.filter(pk=invitation.pk, sent_at=None).exists()  # it stands
    (failed,) = FailedEmail.objects.all()
    assert (failed.name, failed.object_pk, failed.attempts) == (
        "accounts.invitation",
        invitation.pk,
        1,  # not retried: retrying cannot cure it
    )
    assert "SMTPRecipientsRefused" in failed.error
    page = admin_client_with_mfa.get(reverse("admin:notifications_failedemail_changelist"))
    assert "accounts.invitation" in page.content.decode()


def test_a_decision_stands_when_the_mail_server_keeps_failing(
    moderator, stakeholder, recommendation_factory, mail_server, django_capture_on_commit_callbacks
):
    comment = dialogue.comment_create(
        author=stakeholder, recommendation=recommendation_factory(), body="Too vague."
    )
    mail_server += [ConnectionError("down")] * 10  # more than the retries
    with django_capture_on_commit_callbacks(execute=True):
        action = moderation.content_decide(
            acting_user=moderator,
            content=comment,
            action=ModerationAction.Action.HIDE,
            reason="Off topic.",
            expected_state=comment.moderation_state,
        )
    comment.refresh_from_db()
    assert comment.moderation_state == "hidden"  # the decision stands
    assert stakeholder.notifications.filter(url__contains=str(action.pk)).exists()  # on site
    (failed,) = FailedEmail.objects.all()
    assert (failed.name, failed.object_pk, failed.attempts) == ("moderation.decision", action.pk, 5)


def test_every_email_an_app_sends_is_registered():
    assert {"accounts.invitation", "moderation.decision"} <= set(mailer.BUILDERS)
