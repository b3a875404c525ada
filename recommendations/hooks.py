"""Hooks by which apps above recommendations take part in its writes, without recommendations
importing them (layers point down): an app registers its handler in its AppConfig.ready().

`wording_change`: a recommendation takes new wording (an administrator's rewording, a changed
source text applied by an import). The dialogue (consultation) registers the one service that
does what any rewording does: the next version, open amendments on the older wording
outdated, their authors and the holders of positions on it told. Without a handler (the
dialogue not installed) the wording simply becomes the next version.
"""

from collections.abc import Callable

from django.db.models import Max

from .models import Recommendation, RecommendationVersion

WordingChange = Callable[..., RecommendationVersion]
_handlers: dict[str, WordingChange] = {}


def register_wording_change(handler: WordingChange) -> None:
    _handlers["wording_change"] = handler


def wording_change(
    *, recommendation: Recommendation, title: str, body: str, author, reason: str
) -> RecommendationVersion:
    """The caller holds the recommendation locked (select_for_update) in a transaction."""
    handler = _handlers.get("wording_change", _next_version)
    return handler(
        recommendation=recommendation, title=title, body=body, author=author, reason=reason
    )


def _next_version(*, recommendation, title, body, author, reason) -> RecommendationVersion:
    number = (recommendation.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = RecommendationVersion.objects.create(
        recommendation=recommendation,
        number=number,
        title=title,
        body=body,
        author=author,
        reason=reason,
    )
    recommendation.title, recommendation.body = title, body
    recommendation.save(update_fields=["title", "body", "updated_at"])
    return version
