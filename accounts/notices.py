"""The accounts app's e-mail: the invitation, its text in templates/emails/invitation-*.
Rendered and sent by notifications (one send path: a Celery task with retries, queued when
the transaction commits), in the invitee's language."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from notifications.mailer import Email, register
from notifications.services import email_queue

from .models import Invitation

INVITATION = "accounts.invitation"


def invitation_link(invitation: Invitation) -> str:
    """The absolute link to the sign-up form, pre-filled from the invitation."""
    query = urlencode({"invitation": invitation.token})
    return f"{settings.SITE_URL}{reverse('account_signup')}?{query}"


def invitation_send(invitation: Invitation) -> None:
    """Send (or send again) the invitation once the transaction commits: each sending is
    an event of its own (its delivery key has the time)."""
    email_queue(INVITATION, invitation.pk, event=timezone.now().isoformat())


@register(INVITATION)
def _invitation(pk: int) -> Email | None:
    invitation = (
        Invitation.objects.select_related("invited_by", "consultation")
        .filter(pk=pk, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return None  # accepted or withdrawn meanwhile

    def sent() -> None:
        Invitation.objects.filter(pk=pk).update(sent_at=timezone.now())

    # The invitee's language, not that of the admin sending (or re-sending) it; the link's
    # sign-up form shows in it too (SignupForm).
    return Email(
        template="invitation",
        to=invitation.email,
        language=invitation.language,
        context=lambda: {
            "invitation": invitation,
            "link": invitation_link(invitation),
            "inviter": invitation.invited_by.public_name if invitation.invited_by else None,
            "consultation": invitation.consultation,
            "site_url": settings.SITE_URL,
        },
        after_sent=sent,
    )
