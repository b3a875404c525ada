"""What the dialogue holds about a person: their comments (with earlier texts), positions,
amendments, endorsements and follows. Deleting the account removes the follows (and the
positions, unless DELETED_ACCOUNTS_KEEP_POSITIONS); published contributions stay, under
"Former participant"."""

from django.conf import settings
from django.db.models import Prefetch

from core import privacy
from recommendations.privacy import recommendation_ref

from .models import Amendment, AmendmentEndorsement, Comment, CommentRevision, Follow, Position
from .notices import replies_unname
from .services import summaries

RECOMMENDATION = "recommendation__consultation"


def _export(user) -> dict:
    comments = (
        Comment.objects.filter(author=user)
        .select_related(RECOMMENDATION)
        .prefetch_related(
            Prefetch("revisions", queryset=CommentRevision.objects.order_by("created_at"))
        )
        .order_by("created_at", "pk")
    )
    positions = (
        Position.objects.filter(author=user)
        .select_related(RECOMMENDATION, "version")
        .order_by("created_at", "pk")
    )
    amendments = (
        Amendment.objects.filter(author=user)
        .select_related(RECOMMENDATION, "base_version", "resulting_version")
        .order_by("created_at", "pk")
    )
    endorsements = (
        AmendmentEndorsement.objects.filter(user=user)
        .select_related("amendment__recommendation__consultation")
        .order_by("created_at", "pk")
    )
    follows = Follow.objects.filter(user=user).select_related(RECOMMENDATION).order_by("pk")
    return {
        "comments": [
            {
                "id": c.pk,
                "recommendation": recommendation_ref(c.recommendation),
                "amendment": c.amendment_id,
                "in_reply_to": c.parent_id,
                "body": c.body,
                "created_at": c.created_at,
                "edited_at": c.edited_at,
                "deleted_at": c.deleted_at,
                "moderation_state": c.moderation_state,
                "earlier_texts": [
                    {"body": r.body, "replaced_at": r.created_at} for r in c.revisions.all()
                ],
            }
            for c in comments
        ],
        "positions": [
            {
                "recommendation": recommendation_ref(p.recommendation),
                "stance": p.stance,
                "reason": p.reason,
                "on_wording_version": p.version.number,
                "on_behalf_of_organisation": p.on_behalf_of_organisation,
                "organisation": p.organisation,
                "moderation_state": p.moderation_state,
                "created_at": p.created_at,
                "updated_at": p.updated_at,
            }
            for p in positions
        ],
        "amendments": [
            {
                "id": a.pk,
                "recommendation": recommendation_ref(a.recommendation),
                "on_wording_version": a.base_version.number,
                "title": a.title,
                "body": a.body,
                "justification": a.justification,
                "evidence_links": a.evidence_links,
                "status": a.status,
                "decided_at": a.decided_at,
                "decision_reason": a.decision_reason,
                "resulting_wording_version": (
                    a.resulting_version.number if a.resulting_version else None
                ),
                "moderation_state": a.moderation_state,
                "created_at": a.created_at,
            }
            for a in amendments
        ],
        "amendment_endorsements": [
            {
                "amendment": e.amendment_id,
                "recommendation": recommendation_ref(e.amendment.recommendation),
                "created_at": e.created_at,
            }
            for e in endorsements
        ],
        "follows": [
            {"recommendation": recommendation_ref(f.recommendation), "since": f.created_at}
            for f in follows
        ],
    }


def _erase(user) -> None:
    # The person's own lists: no one else sees them.
    Follow.objects.filter(user=user).delete()
    if not settings.DELETED_ACCOUNTS_KEEP_POSITIONS:
        with summaries.tracking(Position.objects.filter(author=user)):
            Position.objects.filter(author=user).delete()
    # Other people's reply notices name them: renamed "Former participant" (#17).
    replies_unname(author=user)


privacy.register(
    models=[
        "consultation.Comment",
        "consultation.Position",
        "consultation.Amendment",
        "consultation.AmendmentEndorsement",
        "consultation.Follow",
    ],
    export=_export,
    erase=_erase,
)
