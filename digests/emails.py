"""The digests' e-mails: one function per message, its text in templates/emails/<name>-
subject.txt, -body.txt and -body.html, rendered in the person's language with absolute links."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from consultation.models import Notification

from .selectors import Digest
from .tokens import unsubscribe_token


def _render(name: str, context: dict) -> tuple[str, str, str]:
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, text, html


def _language(user) -> str:
    return user.language or settings.LANGUAGE_CODE


def unsubscribe_url(user) -> str:
    return settings.SITE_URL + reverse("digests:unsubscribe", args=[unsubscribe_token(user)])


def preferences_url() -> str:
    return settings.SITE_URL + reverse("accounts:preferences")


def render_digest(digest: Digest) -> tuple[str, str, str]:
    """The digest's subject, text and HTML, in the person's language (the admin's preview
    shows the same)."""
    user = digest.user
    with translation.override(_language(user)):
        return _render(
            "digest",
            {
                "digest": digest,
                "user": user,
                "period": digest.period,
                "language": _language(user),
                "site_url": settings.SITE_URL,
                "unsubscribe_url": unsubscribe_url(user),
                "preferences_url": preferences_url(),
                "notifications_url": settings.SITE_URL + reverse("digests:notifications"),
                # What the batch's digests share is rendered once ({% shared %}).
                "digest_fragments": digest.fragments,
            },
        )


def send_digest(*, digest: Digest, connection=None) -> None:
    """Send the person's digest, with the one-click unsubscribe of RFC 8058."""
    subject, text, html = render_digest(digest)
    link = unsubscribe_url(digest.user)
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[digest.user.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_notification(*, notification: Notification, connection=None) -> None:
    """Send one notification at once (a reply, a decision, new wording)."""
    user = notification.user
    url = notification.url
    with translation.override(_language(user)):
        subject, text, html = _render(
            "notification",
            {
                "notification": notification,
                "user": user,
                "language": _language(user),
                "link": settings.SITE_URL + url if url.startswith("/") else url,
                "site_url": settings.SITE_URL,
                "preferences_url": preferences_url(),
            },
        )
    message = EmailMultiAlternatives(
        subject,
        text,
        to=[user.email],
        connection=connection,
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    message.send()
