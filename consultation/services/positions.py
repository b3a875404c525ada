"""Positions on a recommendation's current wording."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from recommendations.models import Recommendation

from ..models import (
    Position,
)
from ..ports import initial_state  # published at once, or awaiting a moderator (moderation)
from . import summaries
from .base import REASON_MAX_LENGTH, _check_text, _require, version_current
from .follows import follow_create


@transaction.atomic
def position_take(
    *,
    author: User,
    recommendation: Recommendation,
    stance: str,
    reason: str = "",
    on_behalf_of_organisation: bool = False,
) -> Position:
    """Take or change one's position. Double submissions end in one row (a unique constraint);
    the loser of a race updates the winner's row instead of failing."""
    _require(author, recommendation)
    if stance not in Position.Stance.values:
        stances = ", ".join(str(label) for label in Position.Stance.labels)
        raise ValidationError({"stance": _("Choose one of: %(stances)s.") % {"stances": stances}})
    if stance != Position.Stance.ENDORSE and not (reason or "").strip():
        # Said in full: the position form shows its one error above the whole form.
        raise ValidationError(
            {"reason": _("Give a reason to endorse with reservations or to oppose.")}
        )
    reason = _check_text(reason, field="reason", max_length=REASON_MAX_LENGTH, required=False)
    if on_behalf_of_organisation and not author.is_affiliation_verified:
        raise ValidationError(
            {
                "on_behalf_of_organisation": _(
                    "Only a verified affiliation can take a position on behalf of its "
                    "organisation. Ask the consultation's administrators to verify yours."
                )
            }
        )
    # A person's position writes run one at a time (their row locked): the summaries' share
    # of their position is read before and after each write, never by two writes at once.
    User.objects.select_for_update().filter(pk=author.pk).exists()
    mine = Position.objects.filter(recommendation=recommendation, author=author)
    with summaries.tracking(mine):
        previous_state, previous_reason = mine.values_list(
            "moderation_state", "reason"
        ).first() or (None, None)
        values = {
            "stance": stance,
            "reason": reason,
            "moderation_state": initial_state(
                author=author,
                recommendation=recommendation,
                text=reason,
                previous_state=previous_state,
                previous_text=previous_reason,
            ),
            "version": version_current(recommendation),
            "on_behalf_of_organisation": on_behalf_of_organisation,
            "organisation": author.organisation if on_behalf_of_organisation else "",
            "updated_at": timezone.now(),
        }
        try:
            with transaction.atomic():
                position, _created = Position.objects.update_or_create(
                    recommendation=recommendation, author=author, defaults=values
                )
        except IntegrityError:
            # A simultaneous request created the row between our read and our insert.
            mine.update(**values)
            position = mine.get()
    follow_create(user=author, recommendation=recommendation)
    return position


@transaction.atomic
def position_withdraw(*, author: User, recommendation: Recommendation) -> None:
    _require(author, recommendation)
    mine = Position.objects.filter(recommendation=recommendation, author=author)
    with summaries.tracking(mine):
        mine.delete()
