"""What a moderator sees of an author beside their contribution in the queue: their
contributions by state and the decisions taken about them, for a page's authors at once."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import ngettext

from consultation.models import ModerationState

from .models import KINDS, ModerationAction, label_lower

State = ModerationState
Action = ModerationAction.Action


@dataclass
class AuthorHistory:
    """What a moderator needs to know of an author: their contributions by state, and the
    decisions taken about them."""

    states: Counter = field(default_factory=Counter)
    actions: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def contributions_summary(self) -> str:
        parts = [
            ngettext("%(count)d contribution", "%(count)d contributions", self.total)
            % {"count": self.total}
        ]
        parts += [
            f"{n} {label_lower(State(state).label)}"
            for state, n in sorted(self.states.items())
            if state != State.PUBLISHED
        ]
        return " · ".join(parts)

    @property
    def decisions_summary(self) -> str:
        """The moderators' decisions about them ("" when none)."""
        return " · ".join(
            f"{label_lower(Action(action).label)} ×{self.actions[action]}"
            for action in (
                Action.WARN,
                Action.SUSPEND,
                Action.LIFT_SUSPENSION,
                Action.REJECT,
                Action.HIDE,
            )
            if self.actions[action]
        )

    @property
    def summary(self) -> str:
        return " · ".join(p for p in (self.contributions_summary, self.decisions_summary) if p)


def author_histories(authors) -> dict[int, AuthorHistory]:
    """Each author's contributions by state and the decisions about them: four queries."""
    pks = {a.pk for a in authors}
    histories = defaultdict(AuthorHistory)
    if not pks:
        return histories
    for model in KINDS.values():
        rows = (
            model.objects.filter(author__in=pks)
            .values("author", "moderation_state")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            histories[row["author"]].states[row["moderation_state"]] += row["n"]
    rows = (
        ModerationAction.objects.filter(subject_user__in=pks, actor__isnull=False)
        .values("subject_user", "action")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        histories[row["subject_user"]].actions[row["action"]] += row["n"]
    return histories
