"""The dialogue: comments, positions, amendments."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse
from rest_framework.utils.urls import replace_query_param

from consultation.models import Amendment, Comment, Position, ReportReason
from consultation.visibility import FULL, PLACEHOLDER, comment_display

from ..fields import StrictCharField
from .base import IdField, PageQuerySerializer, PageSizeQuerySerializer, PersonSerializer


class CommentSerializer(serializers.ModelSerializer):
    """A comment as consultation.visibility shows it to the requester: `display` "full", or
    "placeholder" (hidden by the moderators: no text, no author, the reason's category in
    `hidden_reason`; its replies are listed in full)."""

    author = PersonSerializer(read_only=True, allow_null=True)
    is_deleted = serializers.BooleanField(read_only=True)
    display = serializers.SerializerMethodField()
    hidden_reason = serializers.SerializerMethodField(
        help_text="The category of the reports that hid it (null when none, or not hidden)."
    )

    @extend_schema_field(
        serializers.ChoiceField(choices=ReportReason.choices, allow_null=True, read_only=True)
    )
    def get_hidden_reason(self, comment) -> str | None:
        return comment.hidden_reason or None

    @extend_schema_field(serializers.ChoiceField(choices=[FULL, PLACEHOLDER]))
    def get_display(self, comment) -> str:
        request = self.context.get("request")
        return comment_display(getattr(request, "user", None), comment)

    def to_representation(self, comment):
        data = super().to_representation(comment)
        if data["display"] == PLACEHOLDER:
            data.update(author=None, body="", body_html="")
        return data

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
            "display",
            "hidden_reason",
        ]
        read_only_fields = fields


class CommentThreadSerializer(CommentSerializer):
    """A thread: its first comment, with the first replies the requester sees (a batch, as
    the recommendation page's "show more replies" reads them: consultation.threads.
    REPLIES_PER_BATCH), how many follow, and where to read them."""

    reply_count = serializers.IntegerField(
        read_only=True, help_text="The thread's published replies (what everyone reads)."
    )
    replies = serializers.SerializerMethodField(
        help_text="The thread's first replies (20 at most), in reading order, each with its "
        "parent and depth."
    )
    more_replies = serializers.IntegerField(
        read_only=True, help_text="How many replies follow those in `replies`."
    )
    replies_next = serializers.SerializerMethodField(
        help_text="Where to read them (`GET .../comments/{id}/replies/?after=`), null when none "
        "follow."
    )

    class Meta(CommentSerializer.Meta):
        fields = [
            *CommentSerializer.Meta.fields,
            "reply_count",
            "replies",
            "more_replies",
            "replies_next",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_replies_next(self, comment) -> str | None:
        if not comment.more_replies:
            return None
        url = reverse(
            "api:comment-replies",
            kwargs={
                "consultation_slug": comment.recommendation.consultation.slug,
                "recommendation_reference": comment.recommendation.reference,
                "pk": comment.pk,
            },
            request=self.context.get("request"),
        )
        return replace_query_param(url, "after", comment.last_reply.pk)

    @extend_schema_field(CommentSerializer(many=True))
    def get_replies(self, comment):
        ordered = []

        def walk(node):
            for child in getattr(node, "children", []):
                ordered.append(child)
                walk(child)

        walk(comment)
        return CommentSerializer(ordered, many=True, context=self.context).data


class CommentThreadQuerySerializer(PageQuerySerializer):
    order = serializers.ChoiceField(
        choices=["oldest", "newest", "most-replied"], default="oldest", required=False
    )
    amendment = IdField(
        required=False, help_text="The threads on this amendment instead of the recommendation."
    )
    after = IdField(
        required=False,
        help_text="With `page`: the threads after this one (keyset paging, as the `next` "
        "link gives it); without it the page is read by its number.",
    )


class ReplyQuerySerializer(PageSizeQuerySerializer):
    after = IdField(
        required=False,
        help_text="The replies after this one (keyset paging, as `replies_next` and `next` "
        "give it); from the thread's first reply without it.",
    )


class ReplyPageSerializer(serializers.Serializer):
    """A batch of a thread's replies, in reading order."""

    next = serializers.URLField(
        allow_null=True, help_text="The next batch; null when this is the last."
    )
    more_replies = serializers.IntegerField(help_text="How many replies follow this batch.")
    results = CommentSerializer(many=True)


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
