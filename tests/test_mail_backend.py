"""The embedded e-mail backend (config.mail.EmlFileBackend): one message per .eml file, even
when several processes (web, the worker's children) write into one folder in the same second."""

import email
import os
import subprocess
import sys
import time
from email.policy import default as email_policy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PER_PROCESS = 25

# Each process waits for the same moment, then sends its messages one connection each, as a
# task does: identical processes pick the same names if the names depend on the second alone.
SENDER = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
import django
django.setup()
from django.core.mail import EmailMessage
from config.mail import EmlFileBackend
start = float(sys.argv[1])
time.sleep(max(0, start - time.time()))
for i in range(int(sys.argv[2])):
    backend = EmlFileBackend(file_path=sys.argv[3])
    message = EmailMessage(f"{sys.argv[4]} {i}", "body", "from@example.org", ["to@example.org"])
    backend.send_messages([message])
"""


def test_two_processes_sending_in_the_same_second_write_one_message_per_file(tmp_path):
    start = time.time() + 3  # both processes are up (Django set up) by then
    senders = [
        subprocess.Popen(
            [sys.executable, "-c", SENDER, str(start), str(PER_PROCESS), str(tmp_path), name],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        )
        for name in ("first", "second")
    ]
    assert [p.wait(timeout=60) for p in senders] == [0, 0]

    files = sorted(tmp_path.glob("*.eml"))
    subjects = []
    for path in files:
        raw = path.read_bytes()
        assert raw.count(b"\nSubject: ") + raw.startswith(b"Subject: ") == 1, path.name
        subjects.append(email.message_from_bytes(raw, policy=email_policy)["Subject"])
    assert len(files) == 2 * PER_PROCESS
    assert sorted(subjects) == sorted(
        f"{name} {i}" for name in ("first", "second") for i in range(PER_PROCESS)
    )


def test_a_message_cut_off_while_written_leaves_no_eml_file(tmp_path, monkeypatch):
    """A worker killed mid-write (or a write that fails) must not leave an empty or half
    message where readers look: the message is written aside, then renamed."""
    from django.core.mail import EmailMessage

    from config.mail import EmlFileBackend

    def cut_off(self, message):
        self.stream.write(b"To: to@example.org\r\nSubj")
        raise OSError("killed")

    monkeypatch.setattr(EmlFileBackend, "write_message", cut_off)
    backend = EmlFileBackend(file_path=str(tmp_path))
    message = EmailMessage("Subject", "body", "from@example.org", ["to@example.org"])
    with pytest.raises(OSError):
        backend.send_messages([message])
    assert not list(tmp_path.glob("*.eml"))
    assert len(list(tmp_path.glob("*.eml.part"))) == 1


# -- The platform's message (notifications.emails.PlatformEmail) ------------------------------


def _messages(subject: str):
    from django.core.mail import EmailMultiAlternatives

    from notifications.emails import PlatformEmail

    def build(cls):
        message = cls(
            subject,
            "Hallo,\n\nzwei Neuigkeiten – und „Anführungszeichen“.\n",
            "Plant to patient <noreply@example.org>",
            ["Zoë <zoe@example.org>"],
            headers={
                "Message-ID": "<digest.1@example.org>",
                "Date": "Fri, 04 Dec 2026 07:00 +0000",
            },
        )
        message.attach_alternative("<p>Hallo, <b>zwei</b> Neuigkeiten</p>\n", "text/html")
        return message

    return build(EmailMultiAlternatives), build(PlatformEmail)


@pytest.mark.parametrize(
    "subject",
    ["[Plant to patient] Ihre tägliche Zusammenfassung vom 3. Dezember 2026: 17 Neuigkeiten", "Hi"],
)
def test_the_platforms_message_is_djangos_but_for_the_boundary(subject):
    """The subject's header comes from a cache and the boundary is picked without the
    generator's scan: the bytes are Django's own, boundary aside, and read back the same."""
    django_message, ours = _messages(subject)
    theirs_bytes = django_message.message().as_bytes()
    for _ in range(2):  # the second from the cache
        our_bytes = ours.message().as_bytes()
        parsed = email.message_from_bytes(our_bytes, policy=email_policy)
        boundary = parsed.get_boundary()
        assert boundary.startswith("=_") and len(boundary) == 34
        assert our_bytes.replace(boundary.encode(), b"B") == theirs_bytes.replace(
            email.message_from_bytes(theirs_bytes).get_boundary().encode(), b"B"
        )
        assert (
            parsed["Subject"]
            == email.message_from_bytes(theirs_bytes, policy=email_policy)["Subject"]
        )
        assert " ".join(parsed["Subject"].split()) == subject
        assert [part.get_content() for part in parsed.iter_parts()] == [
            ours.body,
            ours.alternatives[0].content,
        ]
    assert ours.subject == subject  # the message is left as it was given


def test_a_subject_with_a_newline_is_refused_as_django_refuses_it():
    from django.core.mail import BadHeaderError

    _, ours = _messages("Hello\nBcc: everyone@example.org")
    with pytest.raises(BadHeaderError):
        ours.message()


def test_a_boundary_found_in_a_part_is_left_to_the_generator(monkeypatch):
    """Never seen with a random 128-bit boundary; if it were, Python's generator picks one."""
    from notifications import emails

    _, ours = _messages("Hi")
    ours.body += "A line that reads =_clash.\n"
    monkeypatch.setattr(emails.secrets, "token_hex", lambda n: "clash")
    message = ours.message()
    assert message.get_boundary() is None
    raw = message.as_bytes()
    assert raw.count(b"=_clash") == 1
    assert email.message_from_bytes(raw).get_boundary()
