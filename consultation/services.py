"""Writes of the dialogue. Each checks the rules first, so the HTML views and the API refuse
the same things with the same words."""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import User
from core import audit  # the audit log's row, in the decision's transaction
from core.markup import render_markdown
from recommendations.models import Recommendation, RecommendationVersion
from recommendations.services import recommendation_version_create

from . import notices
from .models import (
    Amendment,
    AmendmentEndorsement,
    Comment,
    CommentRevision,
    Follow,
    Position,
)
from .ports import initial_state  # published at once, or awaiting a moderator (moderation)
from .rules import (
    AMENDMENT_DECIDE_REFUSED,
    AMENDMENT_UPDATE_REFUSED,
    AMENDMENT_WITHDRAW_REFUSED,
    COMMENT_EDIT_REFUSED,
    COMMENT_REMOVE_REFUSED,
    dialogue_refusal,
)

MAX_DEPTH = 5  # deeper replies attach to the deepest allowed level, keeping threads readable
COMMENT_MAX_LENGTH = 5_000
REASON_MAX_LENGTH = 3_000
TITLE_MAX_LENGTH = 300
AMENDMENT_BODY_MAX_LENGTH = 10_000
MAX_EVIDENCE_LINKS = 10


class ContributionRefused(PermissionDenied):
    """The person may not make this contribution now; the message says why."""


def _require(user: User, recommendation: Recommendation) -> None:
    refusal = dialogue_refusal(user, recommendation)
    if refusal:
        raise ContributionRefused(refusal)


def _check_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError(
            {
                field: _("Keep it under %(max)s characters (it has %(count)s).")
                % {
                    "max": number_format(max_length, force_grouping=True),
                    "count": number_format(len(value), force_grouping=True),
                }
            }
        )
    return value


def version_current(recommendation: Recommendation) -> RecommendationVersion:
    return recommendation.versions.order_by("-number").first()


# -- Follows --------------------------------------------------------------------------------


def follow_create(*, user: User, recommendation: Recommendation) -> Follow:
    follow, _created = Follow.objects.get_or_create(user=user, recommendation=recommendation)
    return follow


def follow_delete(*, user: User, recommendation: Recommendation) -> None:
    Follow.objects.filter(user=user, recommendation=recommendation).delete()


# -- Comments -------------------------------------------------------------------------------


@transaction.atomic
def comment_create(
    *,
    author: User,
    recommendation: Recommendation,
    body: str,
    parent: Comment | None = None,
    amendment: Amendment | None = None,
) -> Comment:
    _require(author, recommendation)
    body = _check_text(body, field="body", max_length=COMMENT_MAX_LENGTH)
    if parent is not None:
        if parent.recommendation_id != recommendation.pk or parent.amendment_id != (
            amendment.pk if amendment else None
        ):
            raise ValidationError({"parent": _("That comment belongs to another discussion.")})
        if parent.deleted_at:
            raise ValidationError({"parent": _("That comment was removed: it takes no replies.")})
        if parent.depth >= MAX_DEPTH:
            parent = parent.parent  # reply beside it, at the deepest level
    if amendment is not None and amendment.recommendation_id != recommendation.pk:
        raise ValidationError({"amendment": _("That amendment belongs to another recommendation.")})
    comment = Comment.objects.create(
        recommendation=recommendation,
        amendment=amendment,
        parent=parent,
        root=(parent.root or parent) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author=author,
        body=body,
        body_html=render_markdown(body),
        moderation_state=initial_state(author=author, recommendation=recommendation, text=body),
    )
    follow_create(user=author, recommendation=recommendation)
    notices.notify_reply(comment=comment)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, acting_user: User, body: str) -> Comment:
    if not acting_user.has_perm("consultation.change_comment", comment):
        raise ContributionRefused(COMMENT_EDIT_REFUSED)
    _require(acting_user, comment.recommendation)
    body = _check_text(body, field="body", max_length=COMMENT_MAX_LENGTH)
    if body == comment.body:
        return comment
    CommentRevision.objects.create(
        comment=comment, body=comment.body, created_at=comment.edited_at or comment.created_at
    )
    # The new text meets the consultation's policy as a new one would: a review term, or a
    # comment the moderators had hidden, sends it back to them.
    comment.moderation_state = initial_state(
        author=acting_user,
        recommendation=comment.recommendation,
        text=body,
        previous_state=comment.moderation_state,
        previous_text=comment.body,
    )
    comment.body = body
    comment.body_html = render_markdown(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at", "moderation_state"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, acting_user: User) -> Comment:
    """The author removes a comment: a tombstone keeps its replies in place."""
    if not acting_user.has_perm("consultation.delete_comment", comment):
        raise ContributionRefused(COMMENT_REMOVE_REFUSED)
    CommentRevision.objects.create(comment=comment, body=comment.body)
    comment.deleted_at = timezone.now()
    comment.body = ""
    comment.body_html = ""
    comment.save(update_fields=["deleted_at", "body", "body_html"])
    return comment


# -- Positions ------------------------------------------------------------------------------


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
    previous_state, previous_reason = (
        Position.objects.filter(recommendation=recommendation, author=author)
        .values_list("moderation_state", "reason")
        .first()
    ) or (None, None)
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
        Position.objects.filter(recommendation=recommendation, author=author).update(**values)
        position = Position.objects.get(recommendation=recommendation, author=author)
    follow_create(user=author, recommendation=recommendation)
    return position


@transaction.atomic
def position_withdraw(*, author: User, recommendation: Recommendation) -> None:
    _require(author, recommendation)
    Position.objects.filter(recommendation=recommendation, author=author).delete()


# -- Amendments -----------------------------------------------------------------------------


def _clean_amendment(*, recommendation, title, body, justification, evidence_links, base):
    title = _check_text(title, field="title", max_length=TITLE_MAX_LENGTH)
    body = _check_text(body, field="body", max_length=AMENDMENT_BODY_MAX_LENGTH)
    justification = _check_text(justification, field="justification", max_length=5_000)
    links = [link.strip() for link in evidence_links if link and link.strip()]
    if len(links) > MAX_EVIDENCE_LINKS:
        raise ValidationError(
            {"evidence_links": _("At most %(max)d links.") % {"max": MAX_EVIDENCE_LINKS}}
        )
    for link in links:
        if not link.startswith(("https://", "http://")) or len(link) > 500:
            raise ValidationError(
                {"evidence_links": _("Not a web address: %(link)s") % {"link": link[:80]}}
            )
    if (title, body) == (base.title, base.body):
        raise ValidationError(_("The proposed wording is the same as the current one."))
    return title, body, justification, links


@transaction.atomic
def amendment_propose(
    *,
    author: User,
    recommendation: Recommendation,
    title: str,
    body: str,
    justification: str,
    evidence_links: Sequence[str] = (),
) -> Amendment:
    _require(author, recommendation)
    base = version_current(recommendation)
    title, body, justification, links = _clean_amendment(
        recommendation=recommendation,
        title=title,
        body=body,
        justification=justification,
        evidence_links=evidence_links,
        base=base,
    )
    amendment = Amendment.objects.create(
        recommendation=recommendation,
        author=author,
        base_version=base,
        title=title,
        body=body,
        justification=justification,
        evidence_links=links,
        moderation_state=initial_state(
            author=author,
            recommendation=recommendation,
            text=_amendment_text(title, body, justification, links),
        ),
    )
    follow_create(user=author, recommendation=recommendation)
    return amendment


@transaction.atomic
def amendment_update(
    *,
    amendment: Amendment,
    acting_user: User,
    title: str,
    body: str,
    justification: str,
    evidence_links: Sequence[str] = (),
) -> Amendment:
    """The author revises an open or outdated amendment; it is re-based on the current
    wording (an outdated one becomes open again)."""
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    if not acting_user.has_perm("consultation.update_amendment", amendment):
        raise ContributionRefused(AMENDMENT_UPDATE_REFUSED)
    _require(acting_user, amendment.recommendation)
    base = version_current(amendment.recommendation)
    title, body, justification, links = _clean_amendment(
        recommendation=amendment.recommendation,
        title=title,
        body=body,
        justification=justification,
        evidence_links=evidence_links,
        base=base,
    )
    # The new wording meets the consultation's policy as a new amendment would (as an edited
    # comment does): a review term, or an amendment the moderators had hidden, sends it back.
    amendment.moderation_state = initial_state(
        author=acting_user,
        recommendation=amendment.recommendation,
        text=_amendment_text(title, body, justification, links),
        previous_state=amendment.moderation_state,
        previous_text=_amendment_text(
            amendment.title, amendment.body, amendment.justification, amendment.evidence_links
        ),
    )
    amendment.title, amendment.body = title, body
    amendment.justification, amendment.evidence_links = justification, links
    amendment.base_version = base
    amendment.status = Amendment.Status.OPEN
    amendment.save()
    return amendment


def _amendment_text(title: str, body: str, justification: str, links: Sequence[str]) -> str:
    """What moderation reads of an amendment: every field its readers see."""
    return "\n".join([title, body, justification, *links])


@transaction.atomic
def amendment_withdraw(*, amendment: Amendment, acting_user: User) -> Amendment:
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    if not acting_user.has_perm("consultation.withdraw_amendment", amendment):
        raise ContributionRefused(AMENDMENT_WITHDRAW_REFUSED)
    amendment.status = Amendment.Status.WITHDRAWN
    amendment.save(update_fields=["status", "updated_at"])
    return amendment


@transaction.atomic
def amendment_accept(*, amendment: Amendment, acting_user: User, reason: str = "") -> Amendment:
    """Accept: the recommendation takes the amendment's wording as a new version credited to
    its author; other open amendments written on older wording become outdated."""
    # Lock the recommendation: two moderators accepting two amendments at once must not
    # both build on the same version.
    recommendation = Recommendation.objects.select_for_update().get(pk=amendment.recommendation_id)
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    amendment.recommendation = recommendation  # locked above; the rules and the log read it
    if not acting_user.has_perm("consultation.decide_amendment", amendment):
        raise ContributionRefused(AMENDMENT_DECIDE_REFUSED)
    before = amendment.status
    # The note was unchecked: an overlong one broke the version's 500-character reason.
    reason = _check_text(reason, field="reason", max_length=REASON_MAX_LENGTH, required=False)
    current = version_current(recommendation)
    if amendment.base_version_id != current.pk:
        raise ValidationError(
            _(
                "The wording has changed since this amendment was written: "
                "its author must update it."
            )
        )
    version, outdated = recommendation_wording_change(
        recommendation=recommendation,
        title=amendment.title,
        body=amendment.body,
        author=amendment.author,
        reason=Truncator(
            f"Amendment #{amendment.pk} accepted" + (f": {reason}" if reason else "")
        ).chars(RecommendationVersion._meta.get_field("reason").max_length),
        accepted=amendment,
    )
    amendment.status = Amendment.Status.ACCEPTED
    amendment.decided_by, amendment.decided_at = acting_user, version.created_at
    amendment.decision_reason = reason
    amendment.resulting_version = version
    amendment.save()
    audit.audit_log_write(
        acting_user=acting_user,
        action=audit.ACCEPT_AMENDMENT,
        content=amendment,
        reason=reason,
        state_before=before,
        state_after=amendment.status,
    )
    # The author hears of the acceptance, and the outdated amendments' authors (the accepting
    # moderator too, for an amendment of their own) that theirs is on older wording now.
    notices.notify_accepted(amendment=amendment, outdated=outdated)
    return amendment


def recommendation_wording_change(
    *,
    recommendation: Recommendation,
    title: str,
    body: str,
    author: User,
    reason: str,
    accepted: Amendment | None = None,
) -> tuple[RecommendationVersion, list[tuple[int, int, str]]]:
    """The recommendation takes new wording from an accepted amendment: its next version
    (recommendations.services), then what follows in the dialogue (`wording_followups`). The
    caller has locked the recommendation and tells the outdated amendments' authors: returns
    the version and those amendments (pk, author, language)."""
    version = recommendation_version_create(
        recommendation=recommendation, title=title, body=body, author=author, reason=reason
    )
    outdated = wording_followups(recommendation=recommendation, version=version, accepted=accepted)
    return version, outdated


def wording_followups(
    *,
    recommendation: Recommendation,
    version: RecommendationVersion,
    accepted: Amendment | None = None,
) -> list[tuple[int, int, str]]:
    """New wording, whoever gave it: the open amendments written on the older wording are
    outdated (but the `accepted` one) and everyone whose position is on an earlier wording is
    asked to confirm or change it. Returns the outdated amendments (pk, author, language)."""
    # The competing amendments, read locked (an author withdrawing one at this moment is
    # not then told it is outdated), then outdated at once: one query each, however many.
    competing = Amendment.objects.select_for_update(of=("self",)).filter(
        recommendation=recommendation, status=Amendment.Status.OPEN
    )
    if accepted is not None:
        competing = competing.exclude(pk=accepted.pk)
    outdated = list(competing.values_list("pk", "author_id", "author__language"))
    if outdated:
        Amendment.objects.filter(pk__in=[row[0] for row in outdated]).update(
            status=Amendment.Status.OUTDATED, updated_at=version.created_at
        )
    notices.notify_position_holders_of_new_wording(recommendation=recommendation, version=version)
    return outdated


@transaction.atomic
def amendment_reject(*, amendment: Amendment, acting_user: User, reason: str) -> Amendment:
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    if not acting_user.has_perm("consultation.decide_amendment", amendment):
        raise ContributionRefused(AMENDMENT_DECIDE_REFUSED)
    reason = _check_text(reason, field="reason", max_length=REASON_MAX_LENGTH)
    before = amendment.status
    amendment.status = Amendment.Status.REJECTED
    amendment.decided_by, amendment.decided_at = acting_user, timezone.now()
    amendment.decision_reason = reason
    amendment.save()
    audit.audit_log_write(
        acting_user=acting_user,
        action=audit.REJECT_AMENDMENT,
        content=amendment,
        reason=reason,
        state_before=before,
        state_after=amendment.status,
    )
    notices.notify_decision(amendment=amendment)
    return amendment


def amendment_endorse(*, amendment: Amendment, user: User, endorse: bool = True) -> None:
    _require(user, amendment.recommendation)
    if endorse:
        # Endorsements count the support of others: the proposer's own would inflate it.
        if amendment.author_id == user.pk:
            raise ContributionRefused(_("You proposed this amendment: others endorse it."))
        if not amendment.is_open:
            raise ValidationError(_("Only an open amendment can be endorsed."))
        AmendmentEndorsement.objects.get_or_create(amendment=amendment, user=user)
        follow_create(user=user, recommendation=amendment.recommendation)
    else:
        AmendmentEndorsement.objects.filter(amendment=amendment, user=user).delete()
