"""Reads for the digests: who gets one (who), what a digest holds (digest: its dataclasses), and
how the digests of a whole batch of people are built at once (build) — a fixed number of
queries per batch, never one per person."""

from .build import (  # noqa: F401
    digests_build,
    shared_fragments,
)
from .digest import (  # noqa: F401
    FRAGMENTS_KEPT,
    ActiveDiscussion,
    AmendmentEvent,
    Change,
    Decision,
    Digest,
    FollowedActivity,
    GroupPositions,
    RecommendationRef,
    Reply,
)
from .who import (  # noqa: F401
    MAX_DECISIONS,
    MAX_REPLIES,
    MOST_ACTIVE,
    NO_GROUP,
    PUBLISHED,
    UNNAMED,
    batch_people,
    due_subscriber_ids,
    settled_records,
    subscribers,
)
