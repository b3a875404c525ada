"""What the dialogue's services share: the limits, the refusal, the checks of a text."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import User
from recommendations.models import Recommendation, RecommendationVersion

from ..rules import (
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
