"""Writes of moderation. Each checks moderation/rules.py first, locks what it changes, checks
that the contribution is still in the state the moderator saw, and writes its row of the
audit log (ModerationAction) in the same transaction. Authors hear of each decision: an
on-site notification, and an e-mail after the commit if they want one.

Concurrency: two moderators deciding one contribution both lock its row
(`select_for_update`); the second finds it no longer in the state their page showed and is
told who decided first (`AlreadyDecided`). On SQLite, which has no row locks, the database's
write lock (transactions begin IMMEDIATE, see config/settings/base.py) serialises them.
One module per concern (base: the shared helpers and the audit log's writer; policy; flags;
decisions; appeals; reasons); every service is importable from moderation.services."""

from .appeals import (  # noqa: F401
    APPEAL_OUTCOMES,
    appeal_create,
    appeal_decide,
)
from .base import (  # noqa: F401
    CONTENT_ACTIONS,
    DISMISSES_FLAGS,
    FLAG_TEXT_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REASON_REQUIRED,
    TRANSITIONS,
    UPHOLDS_FLAGS,
    Action,
    AlreadyDecided,
    ModerationRefused,
    State,
    audit_log_write,
    content_label,
)
from .decisions import (  # noqa: F401
    ACTIVE,
    SUSPENDED,
    author_suspend,
    author_warn,
    content_decide,
    suspension_lift,
)
from .flags import (  # noqa: F401
    flag_create,
    flag_refusal,
)
from .policy import (  # noqa: F401
    initial_state,
    policy_for,
    published_contribution_count,
)
from .reasons import (  # noqa: F401
    reason_compose,
)
