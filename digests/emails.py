"""The digest's e-mail: its text in templates/emails/digest-subject.txt, -body.txt and
-body.html, rendered by notifications (the one renderer) in the person's language."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from notifications import emails as mail
from notifications.emails import language_of as _language
from notifications.emails import preferences_url

from .selectors import Digest
from .tokens import unsubscribe_token


def unsubscribe_url(user) -> str:
    return settings.SITE_URL + reverse("digests:unsubscribe", args=[unsubscribe_token(user)])


def message_id(digest: Digest) -> str:
    """The digest's Message-ID, made of its DigestRecord's key (person, frequency, period),
    which is claimed before the message is handed to the mail server: if a worker dies between
    the server's acceptance and the "sent" mark, the lease's re-send carries the same
    Message-ID, which mail stores and clients use to drop the second copy."""
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    period = digest.period
    return f"<digest.{period.frequency}.{period.start_date:%Y%m%d}.{digest.user.pk}@{domain}>"


def render_digest(digest: Digest) -> tuple[str, str, str]:
    """The digest's subject, text and HTML, in the person's language (the admin's preview
    shows the same)."""
    user = digest.user
    with translation.override(_language(user)):
        return mail.render(
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
    link = unsubscribe_url(digest.user)
    mail.send(
        rendered=render_digest(digest),
        to=digest.user.email,
        connection=connection,
        headers={
            "Message-ID": message_id(digest),
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
