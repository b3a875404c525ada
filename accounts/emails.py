"""The accounts app's e-mails: one function per message, its text in
templates/emails/<name>-subject.txt, -body.txt and -body.html."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from .models import Invitation


def invitation_link(invitation: Invitation) -> str:
    """The absolute link to the sign-up form, pre-filled from the invitation."""
    query = urlencode({"invitation": invitation.token})
    return f"{settings.SITE_URL}{reverse('account_signup')}?{query}"


def _render(name: str, context: dict) -> tuple[str, str, str]:
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, text, html


def send_invitation(invitation: Invitation) -> None:
    """Send (or send again) the invitation, in its language, and record when it went out."""
    # The invitee's language, not that of the admin sending (or re-sending) it; the link's
    # sign-up form shows in it too (SignupForm).
    with translation.override(invitation.language):
        context = {
            "invitation": invitation,
            "link": invitation_link(invitation),
            "inviter": invitation.invited_by.public_name if invitation.invited_by else None,
            "consultation": invitation.consultation,
            "site_url": settings.SITE_URL,
        }
        subject, text, html = _render("invitation", context)
    message = EmailMultiAlternatives(subject, text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=now)
    invitation.sent_at = now


def send_rendered(
    *, subject: str, body: str, from_email: str, to: list[str], alternatives: list
) -> None:
    """Send an allauth message that accounts.adapter rendered in the request."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    for content, mimetype in alternatives:
        message.attach_alternative(content, mimetype)
    message.send()
