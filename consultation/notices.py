"""The dialogue's notices: who is told what, in their language, when a reply is published,
an amendment is decided or made outdated, or the wording changes. The texts are written
here; notifications (below) stores them and sends the e-mails."""

from collections.abc import Sequence

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from accounts.models import PSEUDONYM
from notifications.models import Notification
from notifications.services import language_of as _language_of
from notifications.services import notify, notify_many
from recommendations.models import Recommendation, RecommendationVersion

from .models import Amendment, Comment, ModerationState, Position


def notify_reply(*, comment: Comment) -> Notification | None:
    """Tell a comment's author of a published reply by someone else (call it again when a
    moderator publishes a reply that awaited moderation)."""
    parent = comment.parent
    if (
        parent is None
        or parent.author_id == comment.author_id
        or comment.moderation_state != ModerationState.PUBLISHED
        or Notification.objects.filter(
            user_id=parent.author_id, kind=Notification.Kind.REPLY, url=_comment_path(comment)
        ).exists()
    ):
        return None
    recommendation = comment.recommendation
    with translation.override(_language_of(parent.author_id)):
        message = _reply_message(comment.author.public_name, recommendation)
    return notify(
        user_id=parent.author_id,
        kind=Notification.Kind.REPLY,
        message=message,
        url=_comment_path(comment),
        recommendation_id=recommendation.pk,
        actor_id=comment.author_id,
    )


def _reply_message(author: str, recommendation) -> str:
    return _("%(author)s replied to your comment on %(reference)s “%(title)s”.") % {
        "author": author,
        "reference": recommendation.reference,
        "title": recommendation.title,
    }


def replies_unname(*, author) -> int:
    """The person's account is being deleted: the reply notices that name them, in other
    people's lists, name "Former participant" instead (in each reader's language), and no
    longer point to them. Notices from before `actor` was recorded are found by the reply's
    address (the replies stay, under the pseudonym)."""
    urls = [c.get_absolute_url() for c in Comment.objects.filter(author=author)
            .select_related("recommendation__consultation")]  # fmt: skip
    named = Notification.objects.filter(kind=Notification.Kind.REPLY).filter(
        Q(actor=author) | Q(actor=None, url__in=urls)
    )
    rewritten = []
    for notice in named.select_related("recommendation", "user"):
        with translation.override(notice.user.language or settings.LANGUAGE_CODE):
            notice.message = _reply_message(gettext(PSEUDONYM), notice.recommendation)
        notice.actor = None
        rewritten.append(notice)
    Notification.objects.bulk_update(rewritten, ["message", "actor"], batch_size=500)
    return len(rewritten)


def _comment_path(comment: Comment) -> str:
    return comment.get_absolute_url()


def _amendment_path(recommendation, amendment_pk: int) -> str:
    return f"{recommendation.get_absolute_url()}amendments/{amendment_pk}/"


def _decision_row(amendment: Amendment) -> Notification | None:
    """The notification telling an amendment's author that it was accepted or rejected, not
    yet saved; none if they decided it themselves."""
    if amendment.decided_by_id == amendment.author_id:
        return None
    recommendation = amendment.recommendation
    accepted = amendment.status == Amendment.Status.ACCEPTED
    words = {"reference": recommendation.reference, "reason": amendment.decision_reason}
    with translation.override(_language_of(amendment.author_id)):
        if amendment.decision_reason:
            message = (
                _("Your amendment to %(reference)s was accepted: %(reason)s")
                if accepted
                else _("Your amendment to %(reference)s was rejected: %(reason)s")
            ) % words
        else:
            message = (
                _("Your amendment to %(reference)s was accepted")
                if accepted
                else _("Your amendment to %(reference)s was rejected")
            ) % words
    message = message if message.endswith(".") else f"{message}."
    return Notification(
        user_id=amendment.author_id,
        kind=Notification.Kind.DECISION,
        message=message[:500],
        url=_amendment_path(recommendation, amendment.pk),
        recommendation_id=recommendation.pk,
    )


def notify_decision(*, amendment: Amendment) -> Notification | None:
    """Tell an amendment's author that it was accepted or rejected (not if they decided)."""
    row = _decision_row(amendment)
    return notify_many([row])[0] if row is not None else None


def notify_accepted(
    *, amendment: Amendment, outdated: Sequence[tuple[int, int, str]]
) -> list[Notification]:
    """An amendment was accepted: tell its author (as `notify_decision` does) and the author
    of each amendment it made outdated (one notification per amendment), all in one
    `notify_many`, so that the cost does not grow with the number outdated.

    Being outdated is a decision on the author's contribution, though taken by accepting
    another: the preference `notify_decisions` decides the e-mail, and the digest lists it
    with the decisions. `outdated`: (pk, author_id, author's language) of each amendment."""
    decision = _decision_row(amendment)
    rows = [decision] if decision is not None else []
    rows += _outdated_rows(
        amendment.recommendation,
        outdated,
        gettext_lazy(
            "Another amendment to %(reference)s was accepted: yours is now outdated. "
            "Update it onto the new wording or withdraw it."
        ),
    )
    return notify_many(rows) if rows else []


def notify_reworded(
    *, recommendation, outdated: Sequence[tuple[int, int, str]]
) -> list[Notification]:
    """An administrator changed the recommendation's wording: tell the author of each
    amendment that became outdated, as `notify_accepted` does."""
    rows = _outdated_rows(
        recommendation,
        outdated,
        gettext_lazy(
            "The wording of %(reference)s was changed: your amendment is now outdated. "
            "Update it onto the new wording or withdraw it."
        ),
    )
    return notify_many(rows) if rows else []


def _outdated_rows(recommendation, outdated, text) -> list[Notification]:
    rows = []
    for pk, author_id, language in outdated:
        # Written in the author's language, once (the row keeps the text).
        with translation.override(language or settings.LANGUAGE_CODE):
            message = str(text) % {"reference": recommendation.reference}
        rows.append(
            Notification(
                user_id=author_id,
                kind=Notification.Kind.DECISION,
                recommendation_id=recommendation.pk,
                message=message[:500],
                url=_amendment_path(recommendation, pk),
            )
        )
    return rows


def notify_position_holders_of_new_wording(
    *, recommendation: Recommendation, version: RecommendationVersion
) -> int:
    """Invite everyone whose position is on an earlier wording to confirm or change it.
    The stored text is written in each person's language."""
    holders = Position.objects.filter(recommendation=recommendation).exclude(version=version)
    url = f"{recommendation.get_absolute_url()}#your-position"
    rows = []
    for user_id, language in holders.values_list("author_id", "author__language"):
        with translation.override(language or settings.LANGUAGE_CODE):
            message = _(
                "%(reference)s has new wording (version %(number)s). "
                "Your position was taken on an earlier wording: confirm or change it."
            ) % {"reference": recommendation.reference, "number": version.number}
        rows.append(
            Notification(
                user_id=user_id,
                kind=Notification.Kind.WORDING_CHANGE,
                recommendation=recommendation,
                message=message,
                url=url,
            )
        )
    notify_many(rows)
    return len(rows)
