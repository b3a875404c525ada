"""What the moderation tells the synopsis report of a consultation (responses/synopsis.py asks
through its registered sources): decisions per action, and hidden or rejected contributions
per reason. A reason is named only when it is one of the reason templates (words written for
every author); a moderator's own words may quote the hidden text, so they count as "Other
reason". Two queries, whatever the number of decisions."""

from django.db.models import Count
from django.utils.translation import gettext as _

from .models import ModerationAction, ReasonTemplate

HIDING = (
    ModerationAction.Action.HIDE,
    ModerationAction.Action.REJECT,
    ModerationAction.Action.AUTO_HIDE,
)


def methodology(consultation) -> dict:
    rows = (
        ModerationAction.objects.filter(consultation=consultation)
        .exclude(action__in=ModerationAction.ADMINISTRATIVE_ACTIONS)
        .values_list("action", "reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    templates = dict(ReasonTemplate.objects.values_list("text", "title"))
    labels = dict(ModerationAction.Action.choices)
    actions: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for action, reason, n in rows:
        label = str(labels.get(action, action))
        actions[label] = actions.get(label, 0) + n
        if action in HIDING:
            why = templates.get(reason.strip(), _("Other reason"))
            reasons[why] = reasons.get(why, 0) + n
    return {"moderation_actions": actions, "hidden_reasons": reasons}
