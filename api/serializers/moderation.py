"""Moderation: flags, decisions, the queue, the log, appeals."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consultation.models import ModerationState
from moderation.models import Appeal, Flag, ModerationAction, ReasonTemplate
from moderation.selectors import QUEUE_SORTS, QUEUE_STATES
from moderation.services import CONTENT_ACTIONS, reason_compose

from ..fields import StrictCharField
from .base import IdField, PageQuerySerializer, PersonSerializer

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


class ReasonTemplateMixin(serializers.Serializer):
    """A reason picked from the moderators' templates, as on the web form: its text, then the
    `reason` written, if any (moderation.services.reason_compose)."""

    reason_template = serializers.PrimaryKeyRelatedField(
        queryset=ReasonTemplate.objects.filter(active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="The id of a reason template (moderators manage them in the admin): its text "
        "becomes the reason, followed by `reason` as a note.",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs["reason"] = reason_compose(
            template=attrs.pop("reason_template", None), text=attrs.get("reason", "")
        )
        return attrs


class DecisionCreateSerializer(ReasonTemplateMixin, ContentReferenceSerializer):
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


class SuspensionLiftSerializer(ReasonTemplateMixin, serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        help_text="Required: the person reads it. They may contribute again at once.",
    )


class QueueQuerySerializer(PageQuerySerializer):
    state = serializers.ChoiceField(
        choices=[state for state in QUEUE_STATES if state],
        required=False,
        help_text="Left out: everything to review.",
    )
    kind = serializers.ChoiceField(choices=KIND_CHOICES, required=False)
    consultation = serializers.SlugField(required=False)
    sort = serializers.ChoiceField(choices=list(QUEUE_SORTS), required=False, default="flags")


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


class LogQuerySerializer(PageQuerySerializer):
    action = serializers.ChoiceField(choices=ModerationAction.Action.choices, required=False)
    kind = serializers.ChoiceField(choices=KIND_CHOICES, required=False)
    consultation = serializers.SlugField(required=False)
    actor = serializers.RegexField(
        r"^(system|[0-9]{1,18})$", required=False, help_text="A person's id, or `system`."
    )
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)


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
