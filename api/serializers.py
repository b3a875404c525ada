"""What the API reads and accepts. No logic here: writes go through the services, which
check every rule and every limit; these only describe shapes and types."""

from django.db import models
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import StakeholderGroup, User
from accounts.validators import PROFILE_REQUIRED_FIELDS
from consultation.models import Amendment, Comment, ModerationState, Notification, Position
from moderation.models import Appeal, Flag, ModerationAction
from moderation.selectors import QUEUE_SORTS, QUEUE_STATES
from moderation.services import CONTENT_ACTIONS
from recommendations.models import (
    Challenge,
    Consultation,
    Pillar,
    Recommendation,
    RecommendationVersion,
    SeedImport,
)

from .fields import StrictCharField
from .opinions_serializers import OpinionGroupsSerializer

# Database integers: larger numbers are not found rather than an error of the database's.
MAX_ID = 2**63 - 1
MAX_NUMBER = 2**31 - 1


def IdField(**kwargs):  # noqa: N802 - a field, named like one
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# -- People ---------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    """A contributor as the pages show them (a deleted account shows as a pseudonym)."""

    id = serializers.IntegerField(source="pk", read_only=True)
    name = serializers.CharField(source="public_name", read_only=True)
    organisation = serializers.SerializerMethodField()
    stakeholder_group = serializers.SerializerMethodField()

    def get_organisation(self, user) -> str:
        return "" if user.deleted_at else user.organisation

    def get_stakeholder_group(self, user) -> str | None:
        group = user.stakeholder_group
        return group.name if group and not user.deleted_at else None


# -- The consultation's content -------------------------------------------------------------


class ConsultationSerializer(serializers.ModelSerializer):
    is_open = serializers.BooleanField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "slug",
            "title",
            "organiser",
            "summary",
            "source_document",
            "state",
            "is_open",
            "opens_at",
            "closes_at",
            "url",
        ]


class AttributionSerializer(serializers.Serializer):
    slug = serializers.CharField(source="advocate.slug")
    name = serializers.CharField(source="advocate.name")
    as_written = serializers.CharField(
        help_text="How the source document names them, e.g. 'government officials' ('' if "
        "it does not)."
    )


class SeedImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = SeedImport
        fields = ["file_name", "content_hash", "imported_at"]


class ProvenanceSerializer(serializers.Serializer):
    """Where an item's words come from: the source document, its section and passage
    (verbatim, Markdown emphasis as written), and the import that brought them."""

    source_document = serializers.SerializerMethodField()
    section = serializers.CharField(source="source_section")
    passage = serializers.CharField(source="source_passage")
    title_source = serializers.CharField(
        help_text="'source': the title is the document's words; 'editorial': ours."
    )
    imported = SeedImportSerializer(source="imported_from", allow_null=True)

    def get_source_document(self, item) -> str:
        return self.context["consultation"].source_document


class VersionProvenanceSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True, allow_null=True)
    by_import = serializers.SerializerMethodField()

    class Meta:
        model = RecommendationVersion
        fields = ["number", "author", "reason", "created_at", "by_import"]

    def get_by_import(self, version) -> bool:
        return version.seed_import_id is not None


class RecommendationProvenanceSerializer(ProvenanceSerializer):
    versions = VersionProvenanceSerializer(many=True, help_text="Newest first.")


class PillarSerializer(serializers.ModelSerializer):
    recommendation_count = serializers.IntegerField(read_only=True)
    challenge_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Pillar
        fields = [
            "code",
            "position",
            "title",
            "heading",
            "summary",
            "recommendation_count",
            "challenge_count",
        ]


class ReferenceSerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()


class PillarDetailSerializer(serializers.ModelSerializer):
    challenges = CodeSerializer(many=True, read_only=True)
    recommendations = ReferenceSerializer(many=True, read_only=True)

    class Meta:
        model = Pillar
        fields = [
            "code",
            "position",
            "title",
            "heading",
            "summary",
            "challenges",
            "recommendations",
        ]


class ChallengeSerializer(serializers.ModelSerializer):
    pillar = serializers.CharField(source="pillar.code", read_only=True)
    advocates = AttributionSerializer(source="attributions", many=True, read_only=True)
    provenance = ProvenanceSerializer(source="*", read_only=True)

    class Meta:
        model = Challenge
        fields = [
            "code",
            "pillar",
            "position",
            "title",
            "title_source",
            "body",
            "advocates",
            "source_section",
            "source_passage",
            "provenance",
        ]


class RecommendationSerializer(serializers.ModelSerializer):
    pillar = serializers.CharField(source="pillar.code", read_only=True)
    source_label = serializers.SerializerMethodField()
    advocates = AttributionSerializer(source="attributions", many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="The recommendation's web page.")
    position_count = serializers.IntegerField(read_only=True)
    endorsement_count = serializers.IntegerField(
        read_only=True, help_text="Positions that endorse it, with or without reservations."
    )
    comment_count = serializers.IntegerField(read_only=True, help_text="Comments not removed.")
    amendment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Recommendation
        fields = [
            "reference",
            "pillar",
            "position",
            "title",
            "title_source",
            "body",
            "rationale",
            "source",
            "source_label",
            "status",
            "advocates",
            "url",
            "created_at",
            "updated_at",
            "position_count",
            "endorsement_count",
            "comment_count",
            "amendment_count",
        ]

    def get_url(self, recommendation) -> str:
        consultation = self.context["consultation"]
        return reverse("recommendations:detail", args=[consultation.slug, recommendation.reference])

    def get_source_label(self, recommendation) -> str:
        # The view's consultation: reading recommendation.consultation would cost a query each.
        return recommendation.get_source_display_for(self.context["consultation"])


class RecommendationDetailSerializer(RecommendationSerializer):
    challenges = CodeSerializer(many=True, read_only=True)
    provenance = RecommendationProvenanceSerializer(source="*", read_only=True)
    current_version = serializers.SerializerMethodField()

    class Meta(RecommendationSerializer.Meta):
        fields = [
            *RecommendationSerializer.Meta.fields,
            "challenges",
            "source_section",
            "source_passage",
            "current_version",
            "provenance",
        ]

    def get_current_version(self, recommendation) -> int | None:
        versions = list(recommendation.versions.all())  # prefetched, newest first
        return versions[0].number if versions else None


class VersionSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = RecommendationVersion
        fields = ["number", "title", "body", "author", "reason", "created_at"]


class VersionDiffQuerySerializer(serializers.Serializer):
    a = serializers.IntegerField(
        min_value=1, max_value=MAX_NUMBER, help_text="The older version's number (left)."
    )
    b = serializers.IntegerField(
        min_value=1, max_value=MAX_NUMBER, help_text="The newer version's number (right)."
    )


class VersionDiffSerializer(serializers.Serializer):
    old = VersionSerializer()
    new = VersionSerializer()
    title_diff = serializers.CharField(help_text="HTML: removed words in <del>, added in <ins>.")
    body_diff = serializers.CharField(help_text="HTML: removed words in <del>, added in <ins>.")


# -- The dialogue ---------------------------------------------------------------------------


class CommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)
    is_deleted = serializers.BooleanField(read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "amendment",
            "parent",
            "root",
            "depth",
            "author",
            "body",
            "body_html",
            "created_at",
            "edited_at",
            "is_deleted",
            "moderation_state",
        ]
        read_only_fields = fields


class CommentThreadSerializer(CommentSerializer):
    reply_count = serializers.IntegerField(read_only=True)
    replies = serializers.SerializerMethodField(
        help_text="Every reply in the thread, in reading order (each with its parent and depth)."
    )

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "reply_count", "replies"]
        read_only_fields = fields

    @extend_schema_field(CommentSerializer(many=True))
    def get_replies(self, comment):
        ordered = []

        def walk(node):
            for child in getattr(node, "children", []):
                ordered.append(child)
                walk(child)

        walk(comment)
        return CommentSerializer(ordered, many=True, context=self.context).data


class CommentThreadQuerySerializer(serializers.Serializer):
    order = serializers.ChoiceField(
        choices=["oldest", "newest", "most-replied"], default="oldest", required=False
    )
    amendment = IdField(
        required=False, help_text="The threads on this amendment instead of the recommendation."
    )
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_NUMBER)


class CommentCreateSerializer(serializers.Serializer):
    body = StrictCharField(allow_blank=True, trim_whitespace=False)
    parent = IdField(required=False, allow_null=True, help_text="The comment this replies to.")
    amendment = IdField(
        required=False, allow_null=True, help_text="The amendment this comment is about."
    )


class CommentEditSerializer(serializers.Serializer):
    body = StrictCharField(allow_blank=True, trim_whitespace=False)


class PositionSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)
    version = serializers.IntegerField(
        source="version.number", read_only=True, help_text="The wording it was taken on."
    )

    class Meta:
        model = Position
        fields = [
            "id",
            "author",
            "stance",
            "reason",
            "version",
            "on_behalf_of_organisation",
            "organisation",
            "created_at",
            "updated_at",
            "moderation_state",
        ]
        read_only_fields = fields


class PositionTakeSerializer(serializers.Serializer):
    stance = serializers.ChoiceField(choices=Position.Stance.choices)
    reason = StrictCharField(
        allow_blank=True, required=False, default="", help_text="Required unless endorsing."
    )
    on_behalf_of_organisation = serializers.BooleanField(required=False, default=False)


class StanceCountsSerializer(serializers.Serializer):
    endorse = serializers.IntegerField()
    reservations = serializers.IntegerField()
    oppose = serializers.IntegerField()


class GroupBreakdownSerializer(serializers.Serializer):
    group = serializers.CharField()
    counts = StanceCountsSerializer()
    total = serializers.IntegerField()


class PositionBreakdownSerializer(serializers.Serializer):
    totals = StanceCountsSerializer()
    total = serializers.IntegerField()
    groups = GroupBreakdownSerializer(many=True)


class AmendmentSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)
    base_version = serializers.IntegerField(source="base_version.number", read_only=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)
    resulting_version = serializers.IntegerField(
        source="resulting_version.number", read_only=True, allow_null=True, default=None
    )
    endorsement_count = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Amendment
        fields = [
            "id",
            "author",
            "base_version",
            "title",
            "body",
            "justification",
            "evidence_links",
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "resulting_version",
            "endorsement_count",
            "comment_count",
            "created_at",
            "updated_at",
            "moderation_state",
        ]
        read_only_fields = fields


class AmendmentDetailSerializer(AmendmentSerializer):
    title_diff = serializers.CharField(
        read_only=True, help_text="HTML of the proposed title against the base version's."
    )
    body_diff = serializers.CharField(
        read_only=True, help_text="HTML of the proposed text against the base version's."
    )

    class Meta(AmendmentSerializer.Meta):
        fields = [*AmendmentSerializer.Meta.fields, "title_diff", "body_diff"]
        read_only_fields = fields


class AmendmentProposeSerializer(serializers.Serializer):
    title = StrictCharField(allow_blank=True, trim_whitespace=False)
    body = StrictCharField(allow_blank=True, trim_whitespace=False)
    justification = StrictCharField(allow_blank=True, trim_whitespace=False)
    evidence_links = serializers.ListField(
        child=StrictCharField(allow_blank=True), required=False, default=list
    )


class DecisionSerializer(serializers.Serializer):
    reason = StrictCharField(
        allow_blank=True, required=False, default="", help_text="Required to reject."
    )


# -- The person -----------------------------------------------------------------------------


class ProfileSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }
    stakeholder_group = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=StakeholderGroup.objects.all(),
        allow_null=True,
        required=False,
    )
    interests = StrictCharField(required=False, allow_blank=True)
    affiliation_verified = serializers.BooleanField(
        source="is_affiliation_verified", read_only=True
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "organisation",
            "job_title",
            "stakeholder_group",
            "speaks_for_organisation",
            "transparency_register_id",
            "interests",
            "interests_declared_at",
            "affiliation_verified",
        ]
        read_only_fields = ["id", "email", "interests_declared_at"]
        extra_kwargs = {"transparency_register_id": {"validators": []}}

    def validate(self, attrs):
        # The profile form's rule (accounts.validators): never emptied, even in a PATCH. (On
        # input only: a person who never gave a group still reads as `null`.)
        errors = {}
        for name in PROFILE_REQUIRED_FIELDS:
            if name in attrs and attrs[name] in (None, ""):
                code = "null" if attrs[name] is None else "blank"
                message = self.fields[name].error_messages.get(code, "This field may not be empty.")
                errors[name] = [serializers.ErrorDetail(str(message), code=code)]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class PreferencesSerializer(serializers.ModelSerializer):
    pillars_of_interest = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Pillar.objects.all(), required=False
    )

    class Meta:
        model = User
        fields = [
            "language",
            "digest_frequency",
            "notify_replies",
            "notify_decisions",
            "notify_appeals",
            "notify_wording_changes",
            "pillars_of_interest",
        ]


class NotificationSerializer(serializers.ModelSerializer):
    recommendation = serializers.SerializerMethodField()
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "message",
            "url",
            "recommendation",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_recommendation(self, notification) -> str | None:
        recommendation = notification.recommendation
        return recommendation.reference if recommendation else None

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=IdField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The notifications to mark read; all unread ones when left out.",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked read.")


# -- Open data ------------------------------------------------------------------------------


class ResultGroupSerializer(serializers.Serializer):
    group = serializers.CharField()
    counts = StanceCountsSerializer()
    total = serializers.IntegerField()


class ResultRecommendationSerializer(serializers.Serializer):
    reference = serializers.CharField()
    pillar = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    response_status = serializers.CharField(
        allow_null=True, help_text="The published response's status code; null if none yet."
    )
    totals = StanceCountsSerializer()
    total = serializers.IntegerField()
    groups = ResultGroupSerializer(many=True)


class ResultsSerializer(serializers.Serializer):
    consultation = serializers.CharField()
    title = serializers.CharField()
    generated_at = serializers.DateTimeField()
    stances = serializers.ListField(child=serializers.CharField())
    recommendations = ResultRecommendationSerializer(many=True)
    opinion_groups = OpinionGroupsSerializer(
        allow_null=True, help_text="The latest run of the opinion groups; null before any."
    )


# -- Moderation -----------------------------------------------------------------------------

KIND_CHOICES = [("comment", "comment"), ("amendment", "amendment"), ("position", "position")]


class ContentReferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    id = IdField()


class FlagCreateSerializer(ContentReferenceSerializer):
    reason = serializers.ChoiceField(choices=Flag.Reason.choices)
    text = serializers.CharField(
        allow_blank=True, required=False, default="", help_text="Required for `other`."
    )


class FlagSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="content_kind", read_only=True)
    content_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Flag
        fields = ["id", "kind", "content_id", "reason", "text", "created_at"]
        read_only_fields = fields


class ModerationActionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)
    kind = serializers.CharField(source="content_kind", read_only=True)
    content_id = serializers.IntegerField(read_only=True, allow_null=True)
    consultation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    about = serializers.SerializerMethodField(help_text="Whom the row is about.")

    class Meta:
        model = ModerationAction
        fields = [
            "id",
            "created_at",
            "actor",
            "action",
            "kind",
            "content_id",
            "content_label",
            "consultation",
            "about",
            "reason",
            "state_before",
            "state_after",
            "suspended_until",
            "appeal",
        ]
        read_only_fields = fields

    def get_about(self, row) -> str | None:
        return row.subject_user.public_name if row.subject_user_id else None


class DecisionCreateSerializer(ContentReferenceSerializer):
    action = serializers.ChoiceField(
        choices=[
            (a, ModerationAction.Action(a).label)
            for a in (
                *CONTENT_ACTIONS,
                ModerationAction.Action.WARN,
                ModerationAction.Action.SUSPEND,
            )
        ]
    )
    reason = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        help_text="Required to reject, hide, warn or suspend: the author reads it.",
    )
    expected_state = serializers.ChoiceField(
        choices=ModerationState.choices,
        required=False,
        help_text="The state you saw (from the queue): required to decide on a contribution; "
        "if it changed meanwhile, someone decided first and the answer is 409.",
    )
    until = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="To suspend: until when."
    )
    for_good = serializers.BooleanField(
        required=False, default=False, help_text="To suspend: for good."
    )


class SuspensionLiftSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        help_text="Required: the person reads it. They may contribute again at once.",
    )


class QueueQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=list(QUEUE_STATES), required=False, default="")
    kind = serializers.ChoiceField(choices=KIND_CHOICES, required=False)
    consultation = serializers.SlugField(required=False)
    sort = serializers.ChoiceField(choices=list(QUEUE_SORTS), required=False, default="flags")
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_NUMBER)


class FlagReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()


class QueueItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField(source="content.pk")
    moderation_state = serializers.CharField(
        source="content.moderation_state", help_text="Send it back as `expected_state`."
    )
    open_flags = serializers.IntegerField()
    flag_reasons = serializers.SerializerMethodField()
    appeal = serializers.IntegerField(source="appeal.pk", allow_null=True, default=None)
    author = PersonSerializer()
    since = serializers.DateTimeField()
    text = serializers.SerializerMethodField(help_text="What the contribution says.")
    recommendation = serializers.CharField(source="content.recommendation.reference")
    history = serializers.CharField(source="history.summary", allow_null=True, default=None)

    @extend_schema_field(FlagReasonCountSerializer(many=True))
    def get_flag_reasons(self, item):
        return [{"reason": r, "count": n} for r, n in item.flag_reasons]

    def get_text(self, item) -> str:
        content = item.content
        if item.kind == "amendment":
            return f"{content.title}\n\n{content.body}"
        return content.body if item.kind == "comment" else content.reason


class LogQuerySerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ModerationAction.Action.choices, required=False)
    kind = serializers.ChoiceField(choices=KIND_CHOICES, required=False)
    consultation = serializers.SlugField(required=False)
    actor = serializers.RegexField(
        r"^(system|[0-9]{1,18})$", required=False, help_text="A person's id, or `system`."
    )
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_NUMBER)


class AppealCreateSerializer(serializers.Serializer):
    decision = IdField(help_text="The moderator's decision (a log row's id) you appeal.")
    text = StrictCharField(allow_blank=True, trim_whitespace=False)


class AppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = ["id", "decision", "text", "state", "created_at", "decided_at", "outcome_reason"]
        read_only_fields = fields


class AppealDecisionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["uphold", "overturn"])
    reason = serializers.CharField(allow_blank=True, required=False, default="")
