"""The signed-in person: profile, preferences, notifications."""

from django.core.validators import RegexValidator
from django.db import models
from rest_framework import serializers

from accounts.models import StakeholderGroup, User, transparency_register_validator
from accounts.validators import PROFILE_REQUIRED_FIELDS
from notifications.models import Notification

from ..fields import StrictCharField
from ..selectors import pillars_by_code
from .base import IdField

MAX_PILLARS_OF_INTEREST = 200


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
    stakeholder_group_label = serializers.CharField(
        source="stakeholder_group.name", read_only=True, default=None, allow_null=True
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
            "stakeholder_group_label",
            "speaks_for_organisation",
            "transparency_register_id",
            "interests",
            "interests_declared_at",
            "affiliation_verified",
        ]
        read_only_fields = ["id", "email", "interests_declared_at"]
        # The model's rule, spelled for the schema too (blank: none given).
        extra_kwargs = {
            "transparency_register_id": {
                "validators": [
                    RegexValidator(
                        r"^[0-9]{9,12}-[0-9]{2}$", transparency_register_validator.message
                    )
                ]
            }
        }

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


class PillarReferenceListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        if isinstance(data, models.Manager):  # a person's pillars, with their consultations
            data = data.select_related("consultation").order_by(
                "consultation__slug", "position", "code"
            )
        return super().to_representation(data)


class PillarReferenceSerializer(serializers.Serializer):
    """A pillar as the API names it everywhere: its consultation's slug and its code (a code
    is unique within its consultation), as in /api/consultations/{slug}/pillars/{code}/ and
    in the data export."""

    consultation = serializers.SlugField(source="consultation.slug", max_length=80)
    code = StrictCharField(max_length=20, help_text="The pillar's code, e.g. P1.")

    class Meta:
        list_serializer_class = PillarReferenceListSerializer

    def validate(self, attrs):
        # A PATCH leaves any field out, nested ones too (DRF's `partial`); a pillar's name
        # has both its parts, always.
        missing = {
            name: [serializers.ErrorDetail(str(field.error_messages["required"]), "required")]
            for name, field in self.fields.items()
            if field.source_attrs[0] not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class PreferencesSerializer(serializers.ModelSerializer):
    pillars_of_interest = PillarReferenceSerializer(
        many=True,
        required=False,
        max_length=MAX_PILLARS_OF_INTEREST,
        help_text="The pillars whose new and changed recommendations your digest tells you "
        "of, each named by its consultation's slug and its code. An unknown one is refused "
        "(`does_not_exist`); the list given replaces the list saved.",
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

    def validate_pillars_of_interest(self, references):
        """The pillars named, in the consultations the person may see; one not found is a
        400 on this field, naming it."""
        names = [(r["consultation"]["slug"], r["code"]) for r in references]
        found = pillars_by_code(user=self.context["request"].user, references=names)
        missing = [f"{slug}/{code}" for slug, code in names if (slug, code) not in found]
        if missing:
            raise serializers.ValidationError(
                f"No such pillar: {', '.join(missing)}.", code="does_not_exist"
            )
        return [found[name] for name in dict.fromkeys(names)]


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


class NotificationQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, default=False, help_text="Only the unread ones (true)."
    )


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
