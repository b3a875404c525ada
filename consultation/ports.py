"""What the dialogue asks of moderation, which sits above it (its models point at the
dialogue's): moderation registers the implementation in its AppConfig.ready() and a system
check fails if it has not (core.checks)."""

from core.hooks import Port

initial_state = Port(
    "consultation.ports.initial_state",
    "initial_state(*, author, recommendation, text, previous_state=None, previous_text=None)"
    " -> ModerationState: published at once, or awaiting a moderator, by the consultation's"
    " moderation policy.",
)
