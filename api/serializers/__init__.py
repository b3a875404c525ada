"""What the API reads and accepts, one module per resource. No logic here: writes go through
the services, which check every rule and every limit; these only describe shapes and types."""

from .base import (  # noqa: F401
    MAX_ID,
    MAX_NUMBER,
    MAX_PAGE_SIZE,
    IdField,
    PageQuerySerializer,
    PageSizeQuerySerializer,
    PersonSerializer,
)
from .content import (  # noqa: F401
    AttributionSerializer,
    ChallengeSerializer,
    CodeSerializer,
    ConsultationSerializer,
    PillarDetailSerializer,
    PillarSerializer,
    ProvenanceSerializer,
    RecommendationDetailSerializer,
    RecommendationProvenanceSerializer,
    RecommendationSerializer,
    ReferenceSerializer,
    SeedImportSerializer,
    VersionDiffQuerySerializer,
    VersionDiffSerializer,
    VersionProvenanceSerializer,
    VersionSerializer,
)
from .dialogue import (  # noqa: F401
    AmendmentDetailSerializer,
    AmendmentProposeSerializer,
    AmendmentSerializer,
    CommentCreateSerializer,
    CommentEditSerializer,
    CommentSerializer,
    CommentThreadQuerySerializer,
    CommentThreadSerializer,
    DecisionSerializer,
    GroupBreakdownSerializer,
    PositionBreakdownSerializer,
    PositionSerializer,
    PositionTakeSerializer,
    ReplyPageSerializer,
    ReplyQuerySerializer,
    StanceCountsSerializer,
)
from .me import (  # noqa: F401
    MarkedSerializer,
    MarkReadSerializer,
    NotificationQuerySerializer,
    NotificationSerializer,
    PreferencesSerializer,
    ProfileSerializer,
)
from .moderation import (  # noqa: F401
    KIND_CHOICES,
    AppealCreateSerializer,
    AppealDecisionSerializer,
    AppealSerializer,
    ContentReferenceSerializer,
    DecisionCreateSerializer,
    FlagCreateSerializer,
    FlagReasonCountSerializer,
    FlagSerializer,
    LogQuerySerializer,
    ModerationActionSerializer,
    QueueItemSerializer,
    QueueQuerySerializer,
    SuspensionLiftSerializer,
)
from .results import (  # noqa: F401
    ResultGroupSerializer,
    ResultRecommendationSerializer,
    ResultsSerializer,
)
