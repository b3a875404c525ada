"""New wording of a recommendation and what follows in the dialogue."""

from accounts.models import User
from recommendations.models import Recommendation, RecommendationVersion
from recommendations.wording import version_next

from .. import notices
from ..models import (
    Amendment,
)


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
    (recommendations.wording), then what follows in the dialogue (`wording_followups`). The
    caller has locked the recommendation and tells the outdated amendments' authors: returns
    the version and those amendments (pk, author, language)."""
    version = version_next(
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
