"""Moderation's e-mail: one message, the decision, its text in
templates/emails/moderation-decision-subject.txt, -body.txt and -body.html."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from .models import ModerationAction


def send_decision(action_pk: int) -> None:
    """Tell a contribution's author (or the person suspended or whose suspension is lifted, or
    the appellant) of a decision. Called after the commit of the decision (services._notify)."""
    action = (
        ModerationAction.objects.select_related(
            "subject_user", "comment", "amendment", "position", "appeal"
        )
        .filter(pk=action_pk)
        .first()
    )
    if action is None or action.subject_user is None:
        return
    from .services import decision_message, suspension_words

    person = action.subject_user
    # In the language of the person it is for, not of the moderator who decided.
    with translation.override(person.language or settings.LANGUAGE_CODE):
        context = {
            "action": action,
            "person": person,
            "message": decision_message(action, with_reason=False),
            "suspension": suspension_words(action.suspended_until)
            if action.suspended_until
            else "",
            "link": f"{settings.SITE_URL}{reverse('moderation:decision', args=[action.pk])}",
            "appealable": action.is_appealable,
            "final": action.appeal_id is not None and action.action != action.Action.APPEAL,
            "site_url": settings.SITE_URL,
        }
        if action.action == action.Action.LIFT_SUSPENSION:
            # The subject template words decisions about contributions; this one is about
            # the account.
            subject = gettext("Your account is no longer suspended")
        else:
            subject = render_to_string("emails/moderation-decision-subject.txt", context)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
        text = render_to_string("emails/moderation-decision-body.txt", context)
        html = render_to_string("emails/moderation-decision-body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[person.email])
    message.attach_alternative(html, "text/html")
    message.send()
