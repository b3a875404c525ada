"""Writes of responses and implementation updates: keyword-only, checked against rules.py,
each in one transaction with its revision and its audit row; notices go out on commit.

The audit log's writer is called from `_audit` only (one place to repoint)."""

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import User
from consultation.models import Amendment, Comment, ModerationState
from consultation.selectors import position_summary
from consultation.services import recommendation_wording_change
from core import audit  # the audit row, in the change's transaction (moderation writes it)
from core.markup import render_markdown
from recommendations.models import Consultation, Recommendation, RecommendationVersion

from . import notices
from .models import (
    DEFAULT_STATUSES,
    ImplementationUpdate,
    Response,
    ResponseCitation,
    ResponseRevision,
    ResponseStatus,
)
from .rules import response_refusal

TEXT_MAX_LENGTH = 20_000
NOTE_MAX_LENGTH = 500
UPDATE_MAX_LENGTH = 5_000


class ResponseRefused(PermissionDenied):
    """The person may not do this with the response now; the message says why."""


def _refuse_unless_allowed(user: User, response: Response | None = None, *, action="write"):
    refusal = response_refusal(user, response, action=action)
    if refusal:
        raise ResponseRefused(refusal)


def _too_long(field: str, value: str, max_length: int) -> ValidationError:
    return ValidationError(
        {
            field: _("Keep it under %(max)s characters (it has %(count)s).")
            % {
                "max": number_format(max_length, force_grouping=True),
                "count": number_format(len(value), force_grouping=True),
            }
        }
    )


def _audit_row(*, acting_user: User, action: str, label: str, note="", before="", after=""):
    """The audit log's row (written in the change's transaction): the one call of its
    writer in this app."""
    audit.audit_log_write(
        acting_user=acting_user,
        action=action,
        reason=note,
        state_before=before,
        state_after=after,
        content_label=label,
    )


def _audit(*, acting_user: User, action: str, response: Response, note: str = "", before=""):
    _audit_row(
        acting_user=acting_user,
        action=action,
        label=f"Response to {response.recommendation.reference} r{response.revision}",
        note=note,
        before=before,
        after=response.state,
    )


def response_statuses_ensure(*, consultation: Consultation) -> list[ResponseStatus]:
    """The consultation's statuses, the four defaults created the first time they are asked
    for (a consultation may add its own in the admin)."""
    for position, (code, label) in enumerate(DEFAULT_STATUSES, start=1):
        ResponseStatus.objects.get_or_create(
            consultation=consultation,
            code=code,
            defaults={"label": str(label), "position": position},
        )
    return list(ResponseStatus.objects.filter(consultation=consultation))


def breakdown_snapshot(recommendation: Recommendation) -> dict:
    """The published positions now, in all and by stakeholder group (one query)."""
    summary = position_summary(recommendation=recommendation)
    return {
        "totals": summary.totals,
        "groups": {g.group: g.counts for g in summary.groups},
        "taken_at": timezone.now().isoformat(),
    }


def _cited(model, pks: Iterable[int], recommendation: Recommendation, field: str) -> list:
    """The contributions to cite: published ones on this recommendation, or an error."""
    pks = sorted({int(pk) for pk in pks})
    rows = list(
        model.objects.filter(
            pk__in=pks,
            recommendation=recommendation,
            moderation_state=ModerationState.PUBLISHED,
        ).order_by("pk")
    )
    if model is Comment:
        rows = [row for row in rows if row.deleted_at is None]
    if len(rows) != len(pks):
        raise ValidationError(
            {field: _("Cite only published contributions to this recommendation.")}
        )
    return rows


def _clean(*, status, recommendation, text, proposed_title, proposed_body) -> tuple:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("This field is required.")})
    if len(text) > TEXT_MAX_LENGTH:
        raise _too_long("text", text, TEXT_MAX_LENGTH)
    if status is None or status.consultation_id != recommendation.consultation_id:
        raise ValidationError({"status": _("Choose one of this consultation's statuses.")})
    title, body = (proposed_title or "").strip(), (proposed_body or "").strip()
    if body and not title:
        raise ValidationError({"proposed_title": _("Give the new wording a title too.")})
    if len(title) > 300:
        raise _too_long("proposed_title", title, 300)
    return text, title, body


@transaction.atomic
def response_save(
    *,
    recommendation: Recommendation,
    acting_user: User,
    status: ResponseStatus,
    text: str,
    proposed_title: str = "",
    proposed_body: str = "",
    comment_ids: Iterable[int] = (),
    amendment_ids: Iterable[int] = (),
    note: str = "",
) -> Response:
    """Write (or rewrite) the response. A draft or reviewed response goes back to draft, for
    a second member to review; a published one is corrected: a new revision with its reason,
    shown on the page, its new citations' authors told."""
    _refuse_unless_allowed(acting_user)
    text, title, body = _clean(
        status=status,
        recommendation=recommendation,
        text=text,
        proposed_title=proposed_title,
        proposed_body=proposed_body,
    )
    comments = _cited(Comment, comment_ids, recommendation, "comments")
    amendments = _cited(Amendment, amendment_ids, recommendation, "amendments")
    note = (note or "").strip()
    response = Response.objects.select_for_update().filter(recommendation=recommendation).first()
    correcting = response is not None and response.is_published
    if correcting and not note:
        raise ValidationError({"note": _("Say what the correction changes and why.")})
    if len(note) > NOTE_MAX_LENGTH:
        raise _too_long("note", note, NOTE_MAX_LENGTH)
    now = timezone.now()
    before = response.state if response else ""
    if response is None:
        response = Response(recommendation=recommendation, created_at=now, revision=0)
    response.status, response.text, response.text_html = status, text, render_markdown(text)
    response.proposed_title, response.proposed_body = title, body
    response.breakdown = breakdown_snapshot(recommendation)
    response.drafted_by, response.updated_at = acting_user, now
    response.revision += 1
    if correcting:
        response.corrected_at = now
    else:
        response.state = Response.State.DRAFT
        response.reviewed_by = response.reviewed_at = response.publish_at = None
    response.save()
    _set_citations(response, comments, amendments)
    kind = ResponseRevision.Kind.CORRECTION if correcting else ResponseRevision.Kind.DRAFT
    _revision(response, kind=kind, author=acting_user, note=note)
    _audit(
        acting_user=acting_user,
        action="response_correct" if correcting else "response_save",
        response=response,
        note=note,
        before=before,
    )
    if correcting:
        _apply_wording(response, acting_user)
        _tell(response)
    return response


def _set_citations(response: Response, comments: list, amendments: list) -> None:
    """The citations as given; kept rows keep the date their author was told."""
    response.citations.exclude(comment__in=comments).exclude(amendment__in=amendments).delete()
    have = set(response.citations.values_list("comment_id", "amendment_id"))
    ResponseCitation.objects.bulk_create(
        [
            ResponseCitation(response=response, comment=c)
            for c in comments
            if (c.pk, None) not in have
        ]
        + [
            ResponseCitation(response=response, amendment=a)
            for a in amendments
            if (None, a.pk) not in have
        ]
    )


def _revision(response: Response, *, kind: str, author: User, note: str = "") -> None:
    cited = list(response.citations.values_list("comment_id", "amendment_id"))
    ResponseRevision.objects.create(
        response=response,
        number=response.revision,
        kind=kind,
        status=response.status,
        text=response.text,
        proposed_title=response.proposed_title,
        proposed_body=response.proposed_body,
        comment_ids=[c for c, _a in cited if c],
        amendment_ids=[a for _c, a in cited if a],
        note=note,
        author=author,
    )


@transaction.atomic
def response_review(
    *, response: Response, acting_user: User, publish_at: datetime | None = None
) -> Response:
    """A second member of the team approves the draft; it is published at `publish_at` (at
    once when none is given or the time has come; otherwise by the beat task)."""
    response = Response.objects.select_for_update().get(pk=response.pk)
    _refuse_unless_allowed(acting_user, response, action="review")
    now = timezone.now()
    before = response.state
    response.state = Response.State.REVIEWED
    response.reviewed_by, response.reviewed_at = acting_user, now
    response.publish_at = publish_at or now
    response.revision += 1
    response.save()
    _revision(response, kind=ResponseRevision.Kind.REVIEW, author=acting_user)
    _audit(acting_user=acting_user, action="response_review", response=response, before=before)
    if response.publish_at <= now:
        _publish(response, acting_user)
    return response


def _apply_wording(response: Response, acting_user: User) -> RecommendationVersion:
    """The response's wording becomes the recommendation's next version (as any rewording:
    amendments on the older wording outdated, position holders asked to confirm)."""
    recommendation = Recommendation.objects.select_for_update().get(pk=response.recommendation_id)
    title, body = response.proposed_title, response.proposed_body
    if title and (title, body) != (recommendation.title, recommendation.body):
        version, outdated = recommendation_wording_change(
            recommendation=recommendation,
            title=title,
            body=body,
            author=acting_user,
            reason=_("Response of the organisers (revision %(n)s)") % {"n": response.revision},
        )
        notices.tell_outdated(recommendation=recommendation, outdated=outdated)
    else:
        version = recommendation.versions.order_by("-number").first()
    response.version = version
    response.recommendation = recommendation
    Response.objects.filter(pk=response.pk).update(version=version)
    return version


def _tell(response: Response) -> int:
    """Tell the authors of the citations nobody was told of yet (each once, whatever the
    retries: the rows are claimed by the update in this transaction)."""
    pending = list(
        response.citations.select_for_update(of=("self",))
        .filter(notified_at=None)
        .select_related("comment__author", "amendment__author")
    )
    ResponseCitation.objects.filter(pk__in=[c.pk for c in pending]).update(
        notified_at=timezone.now()
    )
    return notices.tell_cited_authors(response=response, citations=pending)


def _publish(response: Response, acting_user: User) -> None:
    before = response.state
    response.state, response.published_at = Response.State.PUBLISHED, timezone.now()
    response.revision += 1
    response.save()
    _apply_wording(response, acting_user)
    _revision(response, kind=ResponseRevision.Kind.PUBLICATION, author=acting_user)
    _audit(acting_user=acting_user, action="response_publish", response=response, before=before)
    _tell(response)


def responses_publish_due(*, now: datetime | None = None) -> int:
    """Publish the reviewed responses whose time has come (the beat task's service); each
    in its own transaction, skipped if another run took it first."""
    now = now or timezone.now()
    due = Response.objects.filter(state=Response.State.REVIEWED, publish_at__lte=now)
    published = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            response = (
                Response.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, state=Response.State.REVIEWED, publish_at__lte=now)
                .select_related("recommendation", "reviewed_by")
                .first()
            )
            if response is not None:
                _publish(response, response.reviewed_by)
                published += 1
    return published


@transaction.atomic
def implementation_update_add(
    *,
    recommendation: Recommendation,
    acting_user: User,
    date: date,
    status: str,
    text: str,
    progress: int | None = None,
) -> ImplementationUpdate:
    """A dated step on the recommendation's timeline, on the audit log."""
    if not acting_user.has_perm("responses.add_update", recommendation):
        raise ResponseRefused(_("Only the consultation team writes and publishes responses."))
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = _("This field is required.")
    elif len(text) > UPDATE_MAX_LENGTH:
        raise _too_long("text", text, UPDATE_MAX_LENGTH)
    if status not in ImplementationUpdate.Status.values:
        errors["status"] = _("Choose one of the statuses.")
    if progress is not None and not 0 <= progress <= 100:
        errors["progress"] = _("A percentage: from 0 to 100.")
    if date is None:
        errors["date"] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    update = ImplementationUpdate.objects.create(
        recommendation=recommendation,
        date=date,
        status=status,
        progress=progress,
        text=text,
        text_html=render_markdown(text),
        author=acting_user,
    )
    _audit_row(
        acting_user=acting_user,
        action="implementation_update",
        label=f"Update on {recommendation.reference} ({date:%Y-%m-%d})",
        after=status[:10],
    )
    return update
