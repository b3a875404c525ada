"""Amendments: proposed, updated, withdrawn, endorsed, accepted or rejected."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import User
from core import audit  # the audit log's row, in the decision's transaction
from recommendations.models import Recommendation, RecommendationVersion

from .. import notices
from ..models import (
    Amendment,
    AmendmentEndorsement,
)
from ..ports import initial_state  # published at once, or awaiting a moderator (moderation)
from ..rules import (
    AMENDMENT_DECIDE_REFUSED,
    AMENDMENT_UPDATE_REFUSED,
    AMENDMENT_WITHDRAW_REFUSED,
)
from . import summaries
from .base import (
    AMENDMENT_BODY_MAX_LENGTH,
    MAX_EVIDENCE_LINKS,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ContributionRefused,
    _check_text,
    _require,
    version_current,
)
from .follows import follow_create
from .wording import recommendation_wording_change


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
    summaries.added(Amendment.objects.filter(pk=amendment.pk))
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
    with summaries.tracking(Amendment.objects.filter(pk=amendment.pk)):
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
