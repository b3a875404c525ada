"""Digests and notification e-mails through a real Celery worker (a subprocess on this run's
queue and database), as CI runs them on both brokers: a seeded day's digest as the person
reads it, no e-mail when nothing is new, the one-click unsubscribe from the headers the worker
wrote and the link in the body, both without login, a reply's e-mail sent after the commit as
the preferences say; and each digest sent once even when the worker is killed in the middle of
a batch and when beat fires twice.

The worker runs on the test settings, except that its e-mail goes to .eml files in a
temporary folder (the test settings keep e-mail in memory, which another process cannot
show us), that its SITE_URL is the test's, and that it can be told to take a moment over
each message, so that a test can kill it mid-batch. Each test starts from an empty queue
and waits for its worker to have emptied it: nothing of one test reaches the next.
"""

import email
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as email_policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from freezegun import freeze_time

from accounts.models import StakeholderGroup, User
from config.celery import app as celery_app
from consultation import services as dialogue
from consultation.models import Comment, Follow
from digests.models import DigestRecord
from digests.periods import period_due
from digests.tasks import fan_out_digests, reclaim_digests
from digests.tokens import unsubscribe_token
from moderation import services as moderation
from notifications.models import Notification, NotificationEmail, Outbox

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 6
BATCH = 2
SITE = "https://consult.example.org"
LEASE = 8  # seconds: the claims' lease in the kill test (renewed every 8/3 s by a live batch)
NBSP = "\N{NO-BREAK SPACE}"  # French puts one before a colon

# The worker's entry point: the test settings with the e-mail and digest settings the test
# gives in the environment, and each message slowed down if asked.
WORKER = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
from django.conf import settings
settings.EMAIL_BACKEND = "config.mail.EmlFileBackend"
settings.EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
settings.DIGEST_BATCH_SIZE = int(os.environ["DIGEST_BATCH_SIZE"])
settings.DIGEST_LEASE_SECONDS = float(os.environ["DIGEST_LEASE_SECONDS"])
delay = float(os.environ.get("DIGEST_TEST_SEND_DELAY", "0"))
if delay:
    from config.mail import EmlFileBackend
    send_messages = EmlFileBackend.send_messages
    def slowly(self, messages):
        time.sleep(delay)  # before the message is written: a kill here sends nothing
        return send_messages(self, messages)
    EmlFileBackend.send_messages = slowly
from config.celery import app
app.worker_main(["worker", "--pool", "solo", "--without-mingle", "--without-gossip",
                 "--loglevel", "INFO"])
"""


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(mail_dir: Path, *, delay: float = 0, lease_seconds: float = 300):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "SITE_URL": settings.SITE_URL,  # the links the worker writes are the test's
        "EMAIL_FILE_PATH": str(mail_dir),
        "DIGEST_BATCH_SIZE": str(BATCH),
        "DIGEST_LEASE_SECONDS": str(lease_seconds),
        "DIGEST_TEST_SEND_DELAY": str(delay),
    }
    return subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen) -> str:
    """Stop the worker (a warm shutdown: the task it is running finishes); its log."""
    if process.poll() is None:
        process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def queued() -> int:
    """Messages waiting in this run's queue, on either broker (a task being run is not)."""
    with celery_app.connection_for_write() as broker:
        declared = broker.default_channel.queue_declare(
            queue=settings.CELERY_TASK_DEFAULT_QUEUE, passive=False
        )
    return declared.message_count


def messages(mail_dir: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email_policy)
        assert message["To"], f"{path.name} holds no message"
        found.append(message)
    return found


def recipients(mail_dir: Path) -> Counter:
    return Counter(m["To"] for m in messages(mail_dir))


def digest_to(mail_dir: Path, address: str) -> EmailMessage:
    """The one digest the worker wrote to this address (notification e-mails have no
    List-Unsubscribe)."""
    (digest,) = [m for m in messages(mail_dir) if m["To"] == address and m["List-Unsubscribe"]]
    return digest


def header(message: EmailMessage, name: str) -> str:
    """A header as a mail client reads it: a long one starts on the next line (folded after
    the name), which leaves a space in front of it once parsed."""
    return message[name].strip()


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML versions of a message, decoded."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, message.as_string()
    return text.get_content(), html.get_content()


def wait_for(condition, *, timeout: float, workers=()) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if any(w.poll() is not None for w in workers):
            return False  # a worker died: its log is in the failure message
        time.sleep(0.1)
    return condition()


def settled(period, statuses=("sent", "skipped")) -> int:
    return DigestRecord.objects.filter(
        frequency=period.frequency, period_start=period.start_date, status__in=statuses
    ).count()


def all_settled(period) -> bool:
    return settled(period, ["sent"]) == PEOPLE


def run_worker(mail_dir: Path, *, start, until) -> str:
    """Start a worker, set it working (`start`: queue tasks, commit), and stop it once
    `until()` holds and nothing more is queued (the last task taken finishes: the stop is a
    warm shutdown). Returns its log."""
    worker = start_worker(mail_dir)
    try:
        start()
        done = wait_for(lambda: until() and not queued(), timeout=90, workers=[worker])
    finally:
        log = stop(worker)
    assert done, log
    return log


def send_digests(mail_dir: Path, period, *, people: int) -> str:
    """Beat's task, through the broker, to a worker: done when the period's digests of
    `people` are sent or skipped (and the scenario's notification e-mails sent)."""
    return run_worker(
        mail_dir,
        start=lambda: fan_out_digests.delay(period.frequency, period.start_date.isoformat()),
        until=lambda: settled(period) == people,
    )


@pytest.fixture(autouse=True)
def fresh_queue():
    """Nothing left in this run's queue by another test reaches this test's worker."""
    celery_app.control.purge()


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def site_url(settings) -> str:
    settings.SITE_URL = SITE
    return SITE


@pytest.fixture
def subscribers(make_person, recommendation_factory):
    """Six daily subscribers following a recommendation commented on in the last period."""
    period = period_due("daily")
    recommendation = recommendation_factory(reference="P1-R1")
    speaker = make_person("speaker@example.org", display_name="Speaker")
    Comment.objects.create(
        recommendation=recommendation,
        author=speaker,
        body="News.",
        body_html="<p>News.</p>",
        created_at=period.start + timedelta(hours=12),
    )
    people = [make_person(f"sub{i}@example.org", digest_frequency="daily") for i in range(PEOPLE)]
    Follow.objects.bulk_create(Follow(user=p, recommendation=recommendation) for p in people)
    assert EmailAddress.objects.filter(verified=True).count() == PEOPLE + 1
    return period, [p.email for p in people]


@pytest.fixture
def seeded_day(site_url, make_person, consultation_factory, pillar_factory, recommendation_factory):
    """Rita reads French, takes the daily digest, has pillar P1 at heart and follows P2-R1.
    The day the worker's run sends (the last complete one, as beat's 07:00 run would) brings
    her a comment and a reply to hers on P2-R1, a new position on it, an amendment to P1-R1
    accepted (its version 2), and a moderator's decision on her own comment; before it, older
    news. Quentin takes the daily digest too and follows P1-R2, on which nothing happened.

    Made through the services, each at its moment (frozen here: the worker, in real time,
    sends the period it is given)."""
    period = period_due("daily")
    groups = {g.slug: g for g in StakeholderGroup.objects.all()}
    with freeze_time(period.start - timedelta(days=2)):
        consultation = consultation_factory(slug="demo")
        p1 = pillar_factory(consultation=consultation, code="P1", title="Supply chain")
        p2 = pillar_factory(consultation=consultation, code="P2", title="Access")
        r1 = recommendation_factory(pillar=p1, reference="P1-R1", title="Launch faster")
        r2 = recommendation_factory(pillar=p1, reference="P1-R2", title="Train staff")
        r3 = recommendation_factory(pillar=p2, reference="P2-R1", title="Pay for outcomes")
        r4 = recommendation_factory(pillar=p2, reference="P2-R2", title="Not followed")
        reader = make_person(
            "reader@example.org",
            display_name="Rita Reader",
            digest_frequency="daily",
            language="fr",
            stakeholder_group=groups["patient-organisation"],
        )
        reader.pillars_of_interest.add(p1)
        dialogue.follow_create(user=reader, recommendation=r3)
        quiet = make_person("quiet@example.org", display_name="Quentin", digest_frequency="daily")
        dialogue.follow_create(user=quiet, recommendation=r2)
        olga = make_person(
            "olga@example.org",
            display_name="Olga Other",
            stakeholder_group=groups["industry-pharma"],
        )
        paul = make_person(
            "paul@example.org", display_name="Paul Payer", stakeholder_group=groups["payer"]
        )
        moderator = make_person(
            "mod@example.org", groups=["Moderators"], display_name="Mo", is_staff=True
        )
        admin = make_person("ca@example.org", groups=["Consultation admins"], display_name="Ada")
        mine = dialogue.comment_create(author=reader, recommendation=r3, body="My view.")
        aside = dialogue.comment_create(author=reader, recommendation=r3, body="Buy my book.")
        amendment = dialogue.amendment_propose(
            author=olga,
            recommendation=r1,
            title="Launch much faster",
            body="Launch within a year.",
            justification="Patients wait.",
        )
    with freeze_time(period.start - timedelta(minutes=30)):
        dialogue.comment_create(author=olga, recommendation=r3, body="Old news.")
    with freeze_time(period.start + timedelta(hours=10)):
        reply = dialogue.comment_create(
            author=olga, recommendation=r3, body="I **disagree**, politely.", parent=mine
        )
        dialogue.comment_create(author=paul, recommendation=r3, body="Costs matter.")
        dialogue.position_take(author=paul, recommendation=r3, stance="oppose", reason="Costly.")
        dialogue.amendment_accept(amendment=amendment, acting_user=admin, reason="Convincing.")
        moderation.content_decide(
            acting_user=moderator,
            content=aside,
            action="hide",
            reason="Off topic.",
            expected_state="published",
        )
        dialogue.comment_create(author=olga, recommendation=r4, body="Elsewhere.")
    return {
        "period": period,
        "reader": reader,
        "quiet": quiet,
        "r1": r1,
        "r3": r3,
        "reply": reply,
        "decision": Notification.objects.get(user=reader, kind=Notification.Kind.DECISION),
    }


# -- What a person receives ------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_seeded_day_reaches_the_person_as_their_digest(seeded_day, mail_dir):
    period, reader = seeded_day["period"], seeded_day["reader"]
    log = send_digests(mail_dir, period, people=2)
    message = digest_to(mail_dir, "reader@example.org")
    text, html = parts(message)
    with translation.override("fr"):
        day = date_format(period.start_date, "DATE_FORMAT")
    # Four updates: the new wording, the followed recommendation's news, the reply, the
    # decision; in her language.
    assert header(message, "Subject") == (
        f"[Plant to patient] Votre récapitulatif quotidien du {day} : 4 nouveautés"
    ), log
    assert text.startswith("Bonjour Rita Reader,")
    assert '<html lang="fr">' in html

    r1_link = SITE + seeded_day["r1"].get_absolute_url()
    r3_link = SITE + seeded_day["r3"].get_absolute_url()
    reply_link = SITE + seeded_day["reply"].get_absolute_url()
    decision = seeded_day["decision"]
    decision_link = SITE + decision.url
    # In her pillar: the accepted amendment's wording, version 2.
    assert "P1-R1 Launch much faster (Supply chain): nouvelle formulation (version 2)" in text
    # On what she follows: the day's two comments (the reply and Paul's) and Paul's position.
    assert f"P2-R1 Pay for outcomes\n  {r3_link}" in text
    assert "2 nouveaux commentaires" in text and "1 position nouvelle ou modifiée" in text
    # The reply to her comment, and the decision on her own (written in French when taken).
    assert f"Olga Other a répondu sur P2-R1{NBSP}: “I disagree, politely.”" in text
    assert decision.message.startswith("Votre") and decision.message in text
    # Each with its absolute link (SITE_URL), in both versions.
    for link in (r1_link, r3_link, reply_link, decision_link):
        assert link in text and f'href="{link}"' in html
    assert f"{SITE}/accounts/preferences/" in text
    # Nothing from before the day, nor (but among the most active) from what she does not
    # follow.
    assert "Old news" not in text and "Buy my book" not in text
    assert "Not followed" not in text.split("Discussions les plus actives")[0]
    # Sent once, recorded as sent; her reply notification and the moderator's decision went by
    # e-mail too (each on its own, through the same worker).
    record = DigestRecord.objects.get(user=reader)
    assert (record.status, record.period_start, record.attempts) == ("sent", period.start_date, 1)
    assert recipients(mail_dir)["reader@example.org"] == 3


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nothing_new_for_a_person_sends_them_nothing_and_records_a_skip(seeded_day, mail_dir):
    period, quiet = seeded_day["period"], seeded_day["quiet"]
    send_digests(mail_dir, period, people=2)
    assert "quiet@example.org" not in recipients(mail_dir)
    digest_to(mail_dir, "reader@example.org")  # the same run sent Rita's
    # A skipped record, never claimed for a send: the next run leaves Quentin alone.
    record = DigestRecord.objects.get(user=quiet, frequency="daily")
    assert (record.period_start, record.status) == (period.start_date, "skipped")
    assert (record.claimed_by, record.attempts, record.sent_at, record.error) == ("", 0, None, "")
    assert record.claimed_at is not None


# -- Headers and the unsubscribe -------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_headers_unsubscribe_in_one_click_and_the_body_link_without_login(seeded_day, mail_dir):
    period, reader = seeded_day["period"], seeded_day["reader"]
    send_digests(mail_dir, period, people=2)
    message = digest_to(mail_dir, "reader@example.org")
    link = SITE + reverse("digests:unsubscribe", args=[unsubscribe_token(reader)])
    # The https link alone: the code offers no mailto.
    assert header(message, "List-Unsubscribe") == f"<{link}>"
    assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert header(message, "Auto-Submitted") == "auto-generated"

    client = Client(enforce_csrf_checks=True)  # as a mail client: no session, no CSRF token
    # The link in the body: a page that asks to confirm, and changes nothing (a mail scanner
    # follows links).
    text, html = parts(message)
    (in_text,) = re.findall(rf"{re.escape(SITE)}/digests/unsubscribe/\S+", text)
    assert in_text == link and f'href="{link}"' in html
    page = client.get(urlsplit(in_text).path, secure=True)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert "reader@example.org" in page.content.decode()
    assert User.objects.get(pk=reader.pk).digest_frequency == "daily"
    # The body's other way out, the preferences, asks for a login first.
    preferences = SITE + reverse("accounts:preferences")
    assert preferences in text and f'href="{preferences}"' in html
    response = client.get(urlsplit(preferences).path, secure=True)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    # The mail client's one-click (RFC 8058): a POST of this body to the header's URL.
    url = header(message, "List-Unsubscribe").strip("<>")
    response = client.post(
        urlsplit(url).path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
        secure=True,
    )
    assert response.status_code == 200 and "reader@example.org" in response.content.decode()
    assert User.objects.get(pk=reader.pk).digest_frequency == "off"


# -- Immediate notifications -----------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reply_is_emailed_by_the_worker_after_the_commit_as_preferences_say(
    site_url, mail_dir, make_person, recommendation_factory
):
    recommendation = recommendation_factory(reference="P1-R1")
    keen = make_person("keen@example.org", display_name="Kim Keen")  # replies by e-mail: default
    shy = make_person("shy@example.org", display_name="Sid Shy", notify_replies=False)
    olga = make_person("olga@example.org", display_name="Olga Other")
    theirs = [
        dialogue.comment_create(author=p, recommendation=recommendation, body="My view.")
        for p in (keen, shy)
    ]
    replies = []

    def reply():
        # The task is queued when the transaction commits: run before, it would find no
        # notification and send nothing ("gone"); the e-mail's arrival shows it was not.
        with transaction.atomic():
            replies.extend(
                dialogue.comment_create(
                    author=olga, recommendation=recommendation, body="Agreed.", parent=mine
                )
                for mine in theirs
            )

    sent = NotificationEmail.objects.filter(status="sent")
    log = run_worker(mail_dir, start=reply, until=lambda: sent.exists())
    # Both are told on the site; only Kim, whose preferences ask for it, by e-mail.
    assert set(Notification.objects.values_list("user__email", "kind")) == {
        ("keen@example.org", "reply"),
        ("shy@example.org", "reply"),
    }
    note = Notification.objects.get(user=keen)
    assert NotificationEmail.objects.get().notification == note
    (message,) = messages(mail_dir)
    assert message["To"] == "keen@example.org", log
    assert header(message, "Subject") == "[Plant to patient] A reply to your comment (P1-R1)"
    assert header(message, "Auto-Submitted") == "auto-generated"
    text, html = parts(message)
    assert "Olga Other replied to your comment on P1-R1" in text
    assert SITE + replies[0].get_absolute_url() in text
    assert f'href="{SITE}{replies[0].get_absolute_url()}"' in html
    # Sid's e-mail skipped when it was to be sent (the preferences read then), Kim's sent.
    statuses = dict(Outbox.objects.values_list("object_pk", "status"))
    assert statuses == {note.pk: "sent", Notification.objects.get(user=shy).pk: "skipped"}, log
    assert "'sent': 1" in log and "'gone'" not in log


# -- Exactly once ----------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_batch_has_its_claims_retaken_after_the_lease(
    subscribers, mail_dir, settings
):
    period, addresses = subscribers
    settings.DIGEST_LEASE_SECONDS = LEASE  # here (the sweep) as in the workers
    logs = []
    worker = start_worker(mail_dir, delay=1.0, lease_seconds=LEASE)
    try:
        fan_out_digests.delay("daily", period.start_date.isoformat())

        # Three messages out and marked sent (the second batch begun): the worker is now
        # sleeping a second before the fourth, its digest claimed and not sent. Kill it there,
        # as an OOM killer would (kill -9). (Killed between a message's hand-off and its mark,
        # it would send that one again, under the same Message-ID: README's "Exactly once".)
        def between_messages() -> bool:
            written = sum(recipients(mail_dir).values())
            marked = DigestRecord.objects.filter(status="sent").count()
            return written >= 3 and marked == written

        reached = wait_for(between_messages, timeout=90, workers=[worker])
        worker.send_signal(signal.SIGKILL)
        logs.append(stop(worker))
        assert reached, logs[-1]
        sent_before = sum(recipients(mail_dir).values())
        assert 3 <= sent_before < PEOPLE, logs[-1]
        (in_flight,) = DigestRecord.objects.filter(status="claimed", sent_at=None)

        # The dead worker's claim is nobody's until its lease runs out; then beat's
        # every-minute sweep (the task, run here) hands it to a new batch, for the restarted
        # worker, which also runs the batches still queued.
        assert reclaim_digests() == 0  # the lease still runs
        worker = start_worker(mail_dir, lease_seconds=LEASE)
        expires = in_flight.claimed_at + timedelta(seconds=LEASE + 0.5)
        time.sleep(max(0.0, (expires - timezone.now()).total_seconds()))
        assert reclaim_digests() == 1
        # All sent, and every task taken: anything still queued would have sent by now.
        done = wait_for(lambda: all_settled(period) and not queued(), timeout=90, workers=[worker])
    finally:
        logs.append(stop(worker))
    assert done, "\n\n".join(logs)
    assert recipients(mail_dir) == Counter(dict.fromkeys(addresses, 1)), "\n\n".join(logs)
    reclaimed = DigestRecord.objects.filter(attempts=2)
    assert reclaimed.count() == 1  # the one in flight at the kill, taken over once
    assert "digests.tasks.send_digest_batch" in logs[-1] and "succeeded" in logs[-1]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_firing_twice_sends_no_duplicates(subscribers, mail_dir):
    period, addresses = subscribers

    def beat_twice():
        fan_out_digests.delay("daily", period.start_date.isoformat())
        fan_out_digests.delay("daily", period.start_date.isoformat())

    log = run_worker(mail_dir, start=beat_twice, until=lambda: all_settled(period))
    assert recipients(mail_dir) == Counter(dict.fromkeys(addresses, 1)), log
    assert log.count("digests.tasks.fan_out_digests") >= 2  # both fan-outs ran
    message = digest_to(mail_dir, "sub0@example.org")
    assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"


# What every worker imports as it starts: every app's tasks (autodiscovered) and the URLs its
# e-mails' links are reversed with. The digests and the outbox need none of scikit-learn,
# SciPy, xhtml2pdf and ReportLab (about 160 MB of memory together): the opinion groups and
# the PDFs import them when they run (bench/digests.py measures each worker's memory).
HEAVY = ("sklearn", "scipy", "xhtml2pdf", "reportlab")
STARTS = f"""
import sys, django
django.setup()
from config.celery import app
app.loader.import_default_modules()
from django.urls import reverse
reverse("digests:notifications")
print(sorted(name for name in {HEAVY!r} if name in sys.modules))
"""


def test_a_worker_starts_without_the_libraries_only_some_tasks_use():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", STARTS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "[]"
