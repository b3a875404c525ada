"""Reports (flags) of a contribution, and hiding after enough of them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import User
from accounts.rules import contribution_refusal

from .. import notices
from ..models import (
    Flag,
)
from .base import (
    FLAG_TEXT_MAX_LENGTH,
    Action,
    ModerationRefused,
    State,
    _lock,
    _log,
    _reference,
    _state_save,
)
from .policy import policy_for


def flag_refusal(user: User, content) -> str | None:
    if user.has_perm("moderation.flag", content):
        return None
    if not user.is_authenticated:
        return _("Sign in to report a contribution.")
    if content.author_id == user.pk:
        return _("This is your own contribution: you cannot report it.")
    if content.moderation_state != State.PUBLISHED:
        return _("This contribution is not public: the moderators already have it.")

    return contribution_refusal(user) or _("You may not report this contribution.")


@transaction.atomic
def flag_create(*, acting_user: User, content, reason: str, text: str = "") -> Flag:
    """Report a contribution. Once `flag_threshold` different people have reported it and no
    moderator has dealt with their reports, it is hidden until one reviews it."""
    content = _lock(content)
    refusal = flag_refusal(acting_user, content)
    if refusal:
        raise ModerationRefused(refusal)
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": _("Choose why you report it.")})
    text = (text or "").strip()
    if reason == Flag.Reason.OTHER and not text:
        raise ValidationError({"text": _("Say what is wrong with it.")})
    if len(text) > FLAG_TEXT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("Keep it under %(max)s characters.") % {"max": f"{FLAG_TEXT_MAX_LENGTH:,}"}}
        )
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                flagger=acting_user, reason=reason, text=text, **_reference(content)
            )
    except IntegrityError:
        raise ValidationError(_("You have already reported this contribution.")) from None
    state = content.moderation_state
    with override(settings.LANGUAGE_CODE):  # the log's reasons are kept in one language
        label = str(Flag.Reason(reason).label)
    _log(
        actor=acting_user,
        action=Action.FLAG,
        content=content,
        reason=f"{label}: {text}" if text else label,
        state_before=state,
        state_after=state,
    )
    threshold = policy_for(content.recommendation).flag_threshold
    reporters = Flag.objects.filter(**_reference(content), resolved_at=None).count()
    if reporters >= threshold and state == State.PUBLISHED:
        _state_save(content, State.HIDDEN)
        action = _log(
            actor=None,
            action=Action.AUTO_HIDE,
            content=content,
            reason=f"Reported by {reporters} different people: hidden until a moderator "
            "reviews it.",
            state_before=state,
            state_after=State.HIDDEN,
        )
        notices.notify_decision(action)
    return flag
