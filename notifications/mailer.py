"""The e-mails an app writes itself (an invitation, a moderation decision): the app registers
a builder under a name in its notices.py, and queues the e-mail with services.email_queue(name,
pk) inside its transaction (an outbox row, committed with the change). The outbox (outbox.py)
delivers it: builds the message from the object's primary key when it is sent, renders it
(emails.render: templates/emails/, the recipient's language, absolute links) and sends it,
retrying with backoff on the mail server's temporary failures. A permanent failure, or the
last retry's, is recorded (FailedEmail, in the admin): the change that caused the e-mail
stands, and nothing is lost without a trace.

The notification e-mails (replies, decisions on amendments, new wording) go through the same
outbox (sending.py)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import translation

from . import delivery, emails
from .models import FailedEmail


@dataclass
class Email:
    """What a builder gives: the template's name, the recipient and their language, the
    context (rendered in that language), and what to record once it is sent."""

    template: str
    to: str
    language: str
    context: dict | Callable[[], dict]
    subject: str | Callable[[], str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    after_sent: Callable[[], None] | None = None


BUILDERS: dict[str, Callable[[int], Email | None]] = {}


def register(name: str):
    """Register the builder of the e-mail `name`: (pk) -> Email, or None if there is nothing
    to send any more (the object is gone, or the person no longer wants it)."""

    def decorator(builder: Callable[[int], Email | None]):
        BUILDERS[name] = builder
        return builder

    return decorator


def email_send(*, name: str, pk: int, headers: dict[str, str] | None = None) -> str:
    """Build, render and send one e-mail now (the outbox calls it). Raises the sending's
    error."""
    email = BUILDERS[name](pk)
    if email is None:
        return "skipped"
    with translation.override(email.language):
        context = email.context() if callable(email.context) else email.context
        subject = email.subject() if callable(email.subject) else email.subject
        rendered = emails.render(email.template, context, subject=subject)
    emails.send(rendered=rendered, to=email.to, headers={**email.headers, **(headers or {})})
    if email.after_sent is not None:
        email.after_sent()
    return "sent"


def email_failed(*, name: str, pk: int, exc: BaseException, attempts: int) -> FailedEmail:
    """Record an e-mail given up on (a permanent failure, or the last retry's)."""
    return FailedEmail.objects.create(
        name=name, object_pk=pk, error=delivery.error_text(exc), attempts=attempts
    )
