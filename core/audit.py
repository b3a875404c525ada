"""The audit port: accounts and the dialogue write the audit log's row for an administrative
action (deciding on an amendment, verifying an affiliation) without importing moderation,
which keeps the log (appeals point at it) and registers the writer in its AppConfig.ready().

The row is written in the caller's transaction: the change and its record are committed
together or not at all."""

from .hooks import Port

# The administrative actions (moderation.models.ModerationAction.Action has the same values).
ACCEPT_AMENDMENT = "accept_amendment"
REJECT_AMENDMENT = "reject_amendment"
VERIFY_AFFILIATION = "verify_affiliation"
REVOKE_AFFILIATION = "revoke_affiliation"

audit_log_write = Port(
    "core.audit.audit_log_write",
    "audit_log_write(*, acting_user, action, content=None, subject_user=None, reason='', "
    "state_before='', state_after='', content_label='') -> the log's row",
)
