"""The moderation log: its filters, its pages and its CSV (moderation.selectors re-exports
them with the other reads of moderation)."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils import timezone
from django.utils.dateparse import parse_date

from accounts.models import User, suspended_for_good
from recommendations.models import Consultation

from .models import KINDS, ModerationAction

Action = ModerationAction.Action
LOG_PAGE_SIZE = 50


@dataclass
class LogFilters:
    action: str = ""
    kind: str = ""
    consultation: Consultation | None = None
    actor: str = ""  # a person's pk, or "system"
    subject: str = ""  # the pk of the person the actions were about (an author's history)
    since: str = ""
    until: str = ""

    @classmethod
    def from_params(cls, params, consultations) -> "LogFilters":
        by_slug = {c.slug: c for c in consultations}
        action = params.get("action", "")
        kind = params.get("kind", "")
        actor = params.get("actor", "")
        subject = params.get("subject", "")
        return cls(
            action=action if action in Action.values else "",
            kind=kind if kind in KINDS else "",
            consultation=by_slug.get(params.get("consultation", "")),
            actor=actor if actor == "system" or actor.isdigit() else "",
            subject=subject if subject.isdigit() else "",
            since=_date(params.get("since", "")),
            until=_date(params.get("until", "")),
        )


def _date(value: str) -> str:
    try:
        return value if parse_date(value) else ""
    except ValueError:
        return ""


def log_rows(*, filters: LogFilters):
    rows = ModerationAction.objects.select_related("actor", "subject_user", "consultation")
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.kind:
        rows = rows.filter(**{f"{filters.kind}__isnull": False})
    if filters.consultation is not None:
        rows = rows.filter(consultation=filters.consultation)
    if filters.actor == "system":
        rows = rows.filter(actor=None)
    elif filters.actor:
        rows = rows.filter(actor_id=int(filters.actor))
    if filters.subject:
        rows = rows.filter(subject_user_id=int(filters.subject))
    if filters.since:
        rows = rows.filter(created_at__date__gte=filters.since)
    if filters.until:
        rows = rows.filter(created_at__date__lte=filters.until)
    return rows.order_by("-created_at", "-pk")


def log_page(
    *, filters: LogFilters, page: int | str | None = 1, per_page: int = LOG_PAGE_SIZE
) -> Page:
    return Paginator(log_rows(filters=filters), per_page).get_page(page)


def log_actors():
    """The people who acted in the log, for its filter."""
    return User.objects.filter(
        pk__in=ModerationAction.objects.exclude(actor=None).values("actor")
    ).order_by("display_name", "email")


CSV_HEADER = [
    "id",
    "when",
    "actor",
    "action",
    "content",
    "consultation",
    "about",
    "state_before",
    "state_after",
    "reason",
]


def log_csv(*, filters: LogFilters) -> Iterator[list[str]]:
    yield CSV_HEADER
    for row in log_rows(filters=filters).iterator(chunk_size=500):
        yield [
            str(row.pk),
            timezone.localtime(row.created_at).isoformat(),
            row.actor_name,
            row.get_action_display(),
            row.content_label,
            row.consultation.slug if row.consultation else "",
            row.subject_user.public_name if row.subject_user else "",
            _csv_state_before(row),
            row.state_after,
            row.reason,
        ]


def _csv_state_before(row: ModerationAction) -> str:
    """The state code; on lifting a suspension, with the end it had ("suspended until
    2030-03-05", "suspended for good"), kept in the row's `suspended_until`."""
    if row.action != Action.LIFT_SUSPENSION or row.suspended_until is None:
        return row.state_before
    if suspended_for_good(row.suspended_until):
        return f"{row.state_before} for good"
    return f"{row.state_before} until {timezone.localdate(row.suspended_until).isoformat()}"
