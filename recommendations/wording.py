"""New wording of a recommendation, whoever gives it (an administrator's rewording, a changed
source text applied by an import, an accepted amendment, the organisers' response): the next
version, and for a change made below the dialogue the `wording_changed` signal, sent inside the
change's transaction. The dialogue reacts in consultation/receivers.py (open amendments on the
older wording outdated, their authors and the position holders told); recommendations imports
nothing of it."""

from django.db.models import Max
from django.utils import timezone

from .models import Recommendation, RecommendationVersion
from .signals import wording_changed


def version_next(
    *, recommendation: Recommendation, title: str, body: str, author, reason: str
) -> RecommendationVersion:
    """The recommendation's next version, credited to `author`. The caller holds the
    recommendation locked (select_for_update) in a transaction, so that two changes at once
    cannot build on the same version."""
    number = (recommendation.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = RecommendationVersion.objects.create(
        recommendation=recommendation,
        number=number,
        title=title,
        body=body,
        author=author,
        reason=reason,
        created_at=timezone.now(),
    )
    recommendation.title, recommendation.body = title, body
    recommendation.save(update_fields=["title", "body", "updated_at"])
    return version


def wording_change(
    *, recommendation: Recommendation, title: str, body: str, author, reason: str
) -> RecommendationVersion:
    """New wording from below the dialogue: the next version, then the signal."""
    version = version_next(
        recommendation=recommendation, title=title, body=body, author=author, reason=reason
    )
    wording_changed.send(sender=Recommendation, recommendation=recommendation, version=version)
    return version
