"""Writes of the accounts app, one module per concern: people (sign-up, profile, preferences,
affiliation), invitations, privacy (sessions, deleting an account) and the demo accounts.
Every service is importable from accounts.services."""

from .demo import (  # noqa: F401
    DEMO_ADMIN_EMAIL,
    demo_users_ensure,
    demo_users_exist,
)
from .invitations import (  # noqa: F401
    INVITATION_COLUMN_ALIASES,
    INVITATION_COLUMNS,
    INVITATION_IMPORT_MAX_ROWS,
    InvitationImport,
    invitation_accept,
    invitation_create,
    invitation_get_pending,
    invitation_language_parse,
    invitations_import_csv,
)
from .people import (  # noqa: F401
    affiliation_verify,
    preferences_update,
    profile_update,
    session_clear_expired,
    user_signup_complete,
)
from .privacy import (  # noqa: F401
    account_delete,
    sessions_end,
)
