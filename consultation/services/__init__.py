"""Writes of the dialogue, one module per resource (comments, positions, amendments, follows,
wording; base: the limits and checks they share). Each checks the rules first, so the HTML
views and the API refuse the same things with the same words. Every service is importable
from consultation.services."""

from .amendments import (  # noqa: F401
    amendment_accept,
    amendment_endorse,
    amendment_propose,
    amendment_reject,
    amendment_update,
    amendment_withdraw,
)
from .base import (  # noqa: F401
    AMENDMENT_BODY_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    MAX_DEPTH,
    MAX_EVIDENCE_LINKS,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ContributionRefused,
    version_current,
)
from .comments import (  # noqa: F401
    comment_create,
    comment_delete,
    comment_edit,
)
from .follows import (  # noqa: F401
    follow_create,
    follow_delete,
)
from .positions import (  # noqa: F401
    position_take,
    position_withdraw,
)
from .wording import (  # noqa: F401
    recommendation_wording_change,
    wording_followups,
)
