"""The one e-mail renderer and sender: every message the platform writes itself has its text in
templates/emails/<name>-subject.txt, -body.txt and -body.html, rendered in the recipient's
language (the caller says which) with absolute links (SITE_URL).

Only this app imports django.core.mail (import-linter's "Only notifications sends mail")."""

import secrets
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import forbid_multi_line_headers
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Notification


def render(name: str, context: dict, *, subject: str | None = None) -> tuple[str, str, str]:
    """Subject (prefixed, on one line), text and HTML of templates/emails/<name>-*, in the
    active language. `subject` replaces the subject template's."""
    if subject is None:
        subject = render_to_string(f"emails/{name}-subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(str(subject).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, text, html


# Every message the platform sends is written by the platform, not a person (RFC 3834):
# auto-responders do not answer it. Set here, the one place a message is made.
AUTO_SUBMITTED = {"Auto-Submitted": "auto-generated"}


@lru_cache(maxsize=512)
def _subject_header(subject: str, encoding: str) -> str:
    """The Subject header exactly as Django writes it (RFC 2047 words, folded; a newline
    raises BadHeaderError). Python's encoder measures the encoded length after each character
    (0.2 ms for a subject with accents), and a batch of digests has few distinct subjects."""
    return forbid_multi_line_headers("Subject", subject, encoding)[1]


def _boundaries(message) -> None:
    """Gives each multipart part a random boundary found in none of its parts. Left to the
    generator, the boundary is checked with a regular expression compiled for it, over the
    whole text: 0.2 ms a message; a 128-bit random one is only looked for in the parts."""
    for part in message.walk():
        if not part.is_multipart() or part.get_boundary() is not None:
            continue
        boundary = f"=_{secrets.token_hex(16)}"
        texts = [p.get_payload() for p in part.walk() if not p.is_multipart()]
        if not any(isinstance(t, str) and boundary in t for t in texts):
            part.set_boundary(boundary)  # else (never seen) the generator picks one


class PlatformEmail(EmailMultiAlternatives):
    """Django's message, the same headers and bodies, built with two costs of Python's e-mail
    package paid once rather than per message (bench/digests.py sends 100,000)."""

    def message(self):
        encoding = self.encoding or settings.DEFAULT_CHARSET
        subject, self.subject = str(self.subject), ""  # set below, from the cache
        try:
            message = super().message()
        finally:
            self.subject = subject
        message.replace_header("Subject", _subject_header(subject, str(encoding)))
        _boundaries(message)
        return message


def send(
    *,
    rendered: tuple[str, str, str],
    to: str,
    headers: dict[str, str] | None = None,
    connection=None,
) -> None:
    subject, text, html = rendered
    send_rendered(
        subject=subject,
        body=text,
        to=[to],
        alternatives=[(html, "text/html")],
        headers=headers,
        connection=connection,
    )


def send_rendered(
    *,
    subject: str,
    body: str,
    to: list[str],
    alternatives: list,
    from_email: str | None = None,
    headers: dict[str, str] | None = None,
    connection=None,
) -> None:
    """Send a message, its alternatives attached. Also for a message rendered elsewhere,
    whole: allauth's account e-mails, rendered in the request by accounts.adapter (their
    one-time links and codes exist nowhere else)."""
    message = PlatformEmail(
        subject,
        body,
        from_email,
        to,
        connection=connection,
        headers={**AUTO_SUBMITTED, **(headers or {})},
    )
    for content, mimetype in alternatives:
        message.attach_alternative(content, mimetype)
    message.send()


def connection():
    """One connection to the mail server, for a batch of messages."""
    return get_connection()


def absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


def language_of(user) -> str:
    return user.language or settings.LANGUAGE_CODE


def preferences_url() -> str:
    return settings.SITE_URL + reverse("accounts:preferences")


def send_notification(
    *, notification: Notification, headers: dict[str, str] | None = None, connection=None
) -> None:
    """Send one notification at once (a reply, a decision, new wording)."""
    user = notification.user
    with translation.override(language_of(user)):
        rendered = render(
            "notification",
            {
                "notification": notification,
                "user": user,
                "language": language_of(user),
                "link": absolute(notification.url),
                "site_url": settings.SITE_URL,
                "preferences_url": preferences_url(),
            },
        )
    send(
        rendered=rendered,
        to=user.email,
        headers=headers,
        connection=connection,
    )
