"""Writes of recommendations' wording outside the dialogue: an administrator's own rewording.

Every wording is a RecommendationVersion. A change made in the Django admin goes through
`recommendation_reword`, which does what accepting an amendment does to the wording (a new
version, credited; earlier amendments outdated; position holders asked to confirm), so
positions taken on the older wording are shown as such and nothing is rewritten in place.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .models import Recommendation, RecommendationVersion
from .wording import wording_change

REASON_MAX_LENGTH = RecommendationVersion._meta.get_field("reason").max_length
TITLE_MAX_LENGTH = Recommendation._meta.get_field("title").max_length


def _too_long(value: str, max_length: int) -> str:
    # The dialogue's words for the same problem (consultation/services.py), translated once.
    return _("Keep it under %(max)s characters (it has %(count)s).") % {
        "max": number_format(max_length, force_grouping=True),
        "count": number_format(len(value), force_grouping=True),
    }


@transaction.atomic
def recommendation_reword(
    *,
    recommendation: Recommendation,
    acting_user,
    title: str,
    body: str,
    reason: str,
) -> RecommendationVersion:
    """An administrator changes the wording: the recommendation takes it as a new version
    credited to them, with their reason. As when an amendment is accepted, open amendments
    written on the older wording become outdated and everyone whose position is on an
    earlier wording is asked to confirm or change it."""
    if not acting_user.has_perm("recommendations.change_recommendation"):
        raise PermissionDenied(_("You may not change the wording of recommendations."))
    title, body, reason = (title or "").strip(), (body or "").strip(), (reason or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("This field is required.")
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = _too_long(title, TITLE_MAX_LENGTH)
    if not reason:
        errors["reason"] = _("Give a reason for the change of wording.")
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = _too_long(reason, REASON_MAX_LENGTH)
    if errors:
        raise ValidationError(errors)
    # Lock the recommendation, as amendment_accept does: two changes at once must not both
    # build on the same version.
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if (title, body) == (recommendation.title, recommendation.body):
        raise ValidationError(_("The proposed wording is the same as the current one."))
    # The dialogue (above) hears of it without an import (recommendations.signals):
    # consultation/receivers.py outdates the amendments on the older wording and tells their
    # authors and the position holders.
    return wording_change(
        recommendation=recommendation, title=title, body=body, author=acting_user, reason=reason
    )


@transaction.atomic
def recommendation_version_first(
    *, recommendation: Recommendation, acting_user
) -> RecommendationVersion:
    """Version 1 of a recommendation created in the admin (the importer writes its own):
    without it, positions and amendments would have no wording to refer to."""
    version, _created = RecommendationVersion.objects.get_or_create(
        recommendation=recommendation,
        number=1,
        defaults={
            "title": recommendation.title,
            "body": recommendation.body,
            "author": acting_user,
            "reason": "Created in the admin",
        },
    )
    return version
