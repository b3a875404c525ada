"""The transactional outbox (issue 15): a change and the e-mails it causes are committed
together (outbox rows, one per event, recipient and channel, under a unique key); a task
queued after the commit delivers them, and the sweep delivers what no task did or a dead
worker held; the preferences are read when the e-mail is sent; every e-mail carries
Auto-Submitted and the Message-ID recorded before the hand-off. Also: no module outside
notifications makes or sends an e-mail, and an erased person's name stays in no one's
notifications (issue 17)."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from accounts.services import account_delete, invitation_create
from consultation import services as dialogue
from moderation import services as moderation
from moderation.models import ModerationAction
from notifications import outbox
from notifications.models import Notification, Outbox
from notifications.tasks import purge_outbox, sweep_outbox

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def thread(make_person, recommendation_factory):
    """Bea's comment on R1 and Alice's reply to it (Bea is told, and wants replies by
    e-mail), in one committed change each; no task has run."""
    recommendation = recommendation_factory(reference="R1")
    alice = make_person("alice@example.org", display_name="Alice Author")
    bea = make_person("bea@example.org", display_name="Bea Reader")
    mine = dialogue.comment_create(author=bea, recommendation=recommendation, body="My view.")
    reply = dialogue.comment_create(
        author=alice, recommendation=recommendation, body="Agreed.", parent=mine
    )
    return {"alice": alice, "bea": bea, "reply": reply}


def deliver_due():
    """Beat's sweep, run here (eagerly): the rows due are handed to delivery tasks."""
    return sweep_outbox.apply().get()


# -- Written with the change ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_notice_and_its_email_row_are_committed_together_or_not_at_all(thread):
    (row,) = Outbox.objects.all()
    notice = Notification.objects.get(user=thread["bea"])
    assert (row.name, row.object_pk, row.status) == ("notification", notice.pk, "pending")
    assert row.key == f"notification:{notice.pk}:email"
    assert notice.actor == thread["alice"]

    with pytest.raises(RuntimeError), transaction.atomic():
        dialogue.comment_create(
            author=thread["bea"],
            recommendation=thread["reply"].recommendation,
            body="Thanks.",
            parent=thread["reply"],
        )
        raise RuntimeError("the change fails after the notice was written")
    assert Outbox.objects.count() == 1 and Notification.objects.count() == 1


@pytest.mark.django_db
def test_the_same_event_queues_its_email_once(thread):
    (row,) = Outbox.objects.all()
    assert outbox.outbox_add([outbox.entry("notification", row.object_pk)]) == [row.pk]
    assert Outbox.objects.count() == 1


# -- Delivered by the task, or by the sweep ---------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("eager")
def test_the_task_after_the_commit_sends_it_once_with_the_recorded_message_id(
    make_person, recommendation_factory
):
    recommendation = recommendation_factory(reference="R1")
    alice = make_person("alice@example.org", display_name="Alice Author")
    bea = make_person("bea@example.org", display_name="Bea Reader")
    mine = dialogue.comment_create(author=bea, recommendation=recommendation, body="Mine.")
    dialogue.comment_create(author=alice, recommendation=recommendation, body="Yes.", parent=mine)
    (message,) = mail.outbox
    row = Outbox.objects.get()
    assert (row.status, row.attempts) == ("sent", 1)
    assert message.extra_headers["Message-ID"] == row.message_id
    assert message.message()["Message-ID"] == row.message_id
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert deliver_due() == 0  # nothing left for the sweep
    assert len(mail.outbox) == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("eager")
def test_the_sweep_sends_what_no_task_took(thread):
    # The commit's task never ran (as with the broker down): the row waits.
    assert mail.outbox == []
    assert deliver_due() == 1
    (message,) = mail.outbox
    assert message.to == ["bea@example.org"]
    assert "Alice Author replied to your comment on R1" in message.body
    assert Outbox.objects.get().status == "sent"
    assert deliver_due() == 0 and len(mail.outbox) == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("eager")
def test_a_dead_workers_claim_is_taken_over_after_its_lease_and_not_before(thread, settings):
    settings.OUTBOX_LEASE_SECONDS = 60
    row = Outbox.objects.get()
    # A worker claimed it and died before sending.
    Outbox.objects.filter(pk=row.pk).update(
        status="claimed", claimed_at=timezone.now() - timedelta(seconds=30), attempts=1
    )
    assert deliver_due() == 0  # its lease runs
    Outbox.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert deliver_due() == 1
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)


@pytest.mark.django_db
@pytest.mark.usefixtures("eager")
def test_preferences_are_read_when_the_email_is_sent(thread):
    bea = thread["bea"]
    bea.notify_replies = False  # changed after the reply, before the sending
    bea.save(update_fields=["notify_replies"])
    deliver_due()
    assert mail.outbox == []
    assert Outbox.objects.get().status == "skipped"
    assert Notification.objects.filter(user=bea).exists()  # still told on the site


@pytest.mark.django_db
def test_beat_sweeps_the_outbox_every_minute():
    task = PeriodicTask.objects.get(task="notifications.tasks.sweep_outbox")
    assert task.enabled and (task.interval.every, task.interval.period) == (1, "minutes")


@pytest.mark.django_db
def test_the_nightly_purge_forgets_settled_rows_past_the_retention_in_bounded_batches(
    settings, django_assert_num_queries
):
    """Sent, skipped and failed rows older than OUTBOX_RETENTION_DAYS go, a batch per DELETE;
    younger ones stay, and so do pending and claimed ones however old (still to send)."""
    settings.OUTBOX_RETENTION_DAYS = 30
    now = timezone.now()
    old, young = now - timedelta(days=31), now - timedelta(days=29)
    rows = [
        (status, created_at)
        for status in ("sent", "skipped", "failed", "pending", "claimed")
        for created_at in (old, young)
    ] + [("sent", old)] * 3
    Outbox.objects.bulk_create(
        Outbox(key=f"k{i}", name="notification", object_pk=i, status=s, created_at=at)
        for i, (s, at) in enumerate(rows)
    )
    # Batches of 2 for the 6 old settled rows: per batch, 1 read of the 2 oldest rows (the
    # delete's, for the signals) and 1 DELETE; the third batch is full, so a fourth read
    # finds none.
    with django_assert_num_queries(7):
        assert outbox.outbox_purge(batch=2) == 6
    left = set(Outbox.objects.values_list("status", "created_at"))
    assert left == {(s, young) for s in ("sent", "skipped", "failed", "pending", "claimed")} | {
        ("pending", old),
        ("claimed", old),
    }
    task = PeriodicTask.objects.get(task="notifications.tasks.purge_outbox")
    assert task.enabled and (task.crontab.hour, task.crontab.minute) == ("4", "15")
    assert purge_outbox.apply().get() == 0  # beat's task: nothing left past the retention


# -- Auto-Submitted on every e-mail the platform writes --------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("eager")
def test_the_decision_and_the_invitation_are_marked_auto_submitted(
    moderator, consultation_admin, stakeholder, recommendation_factory
):
    comment = dialogue.comment_create(
        author=stakeholder, recommendation=recommendation_factory(), body="Too vague."
    )
    moderation.content_decide(
        acting_user=moderator,
        content=comment,
        action=ModerationAction.Action.HIDE,
        reason="Off topic.",
        expected_state=comment.moderation_state,
    )
    invitation_create(acting_user=consultation_admin, email="kim@example.org")
    deliver_due()
    by_address = {m.to[0]: m.message() for m in mail.outbox}
    assert set(by_address) == {"stakeholder@example.org", "kim@example.org"}
    rows = {r.name: r for r in Outbox.objects.all()}
    assert set(rows) == {"moderation.decision", "accounts.invitation"}
    for message in by_address.values():
        assert message["Auto-Submitted"] == "auto-generated"
    assert by_address["kim@example.org"]["Message-ID"] == rows["accounts.invitation"].message_id


@pytest.mark.django_db
def test_allauths_account_emails_go_out_through_notifications_marked_auto_submitted(
    client, stakeholder
):
    client.post(reverse("account_reset_password"), {"email": stakeholder.email})
    (message,) = mail.outbox
    assert message.message()["Auto-Submitted"] == "auto-generated"


# -- One send path ----------------------------------------------------------------------------

MAIL_NAMES = {
    "EmailMessage",
    "EmailMultiAlternatives",
    "send_mail",
    "send_mass_mail",
    "mail_admins",
    "mail_managers",
    "get_connection",
    "SMTP",
    "SMTP_SSL",
}
MAIL_MODULES = ("django.core.mail", "email.message", "email.mime")
# Where the platform's own code may make or send a message: notifications, and the .eml
# backend (a mail server's stand-in). allauth's hook `send_mail` is overridden in the
# adapter, whose render_mail hands every message to notifications (accounts.tasks).
ALLOWED = {"notifications", "config/mail.py"}
OVERRIDES = {("accounts/adapter.py", "send_mail")}


def _app_modules():
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        top = relative.split("/")[0]
        if top in {".venv", "tests", "bench", "var", "build", "lint"} or "/migrations/" in relative:
            continue
        if top in ALLOWED or relative in ALLOWED:
            continue
        yield relative, ast.parse(path.read_text(), relative)


def test_no_module_outside_notifications_makes_or_sends_an_email():
    offences = []
    for relative, tree in _app_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import):
                modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                modules += [a.name for a in node.names]
                if any(m.startswith(MAIL_MODULES) for m in modules):
                    offences.append(f"{relative}:{node.lineno} imports mail")
            name = getattr(node, "attr", None) or getattr(node, "id", None)
            if getattr(getattr(node, "value", None), "id", None) == "transaction":
                continue  # the database's get_connection
            if name in MAIL_NAMES and (relative, name) not in OVERRIDES:
                offences.append(f"{relative}:{node.lineno} {name}")
    assert offences == []


def test_the_digests_send_through_notifications():
    source = (ROOT / "digests" / "emails.py").read_text()
    assert "from notifications import emails as mail" in source and "mail.send(" in source


# -- Issue 17: no residue of an erased name ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("eager")
def test_an_erased_persons_name_stays_in_no_one_elses_notifications(thread, client):
    alice, bea = thread["alice"], thread["bea"]
    assert Notification.objects.filter(message__contains="Alice Author").count() == 1
    account_delete(user=alice)

    assert not Notification.objects.filter(message__contains="Alice").exists()
    (notice,) = Notification.objects.filter(user=bea)
    assert notice.message.startswith("Former participant replied to your comment on R1")
    assert notice.actor is None
    client.force_login(bea)
    page = client.get(reverse("digests:notifications"))
    assert "Former participant replied" in page.content.decode()
    assert "Alice" not in page.content.decode()
    api = APIClient()
    api.force_authenticate(bea)
    listed = api.get("/api/notifications/")
    assert "Former participant" in listed.content.decode()
    assert "Alice" not in listed.content.decode()
    # The e-mail, still queued, is rendered from the rewritten text.
    deliver_due()
    (message,) = mail.outbox
    assert "Former participant replied" in message.body and "Alice" not in message.body
    assert "Alice" not in message.alternatives[0][0]
