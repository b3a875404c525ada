"""The one e-mail renderer and sender: every message the platform writes itself has its text in
templates/emails/<name>-subject.txt, -body.txt and -body.html, rendered in the recipient's
language (the caller says which) with absolute links (SITE_URL).

Only this app imports django.core.mail (import-linter's "Only notifications sends mail")."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
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
    message = EmailMultiAlternatives(
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
