"""The signed-in person: profile, preferences, notifications."""

from rest_framework import serializers

from accounts.models import StakeholderGroup, User
from notifications.models import Notification
from recommendations.models import (
    Pillar,
)

from .base import IdField


class ProfileSerializer(serializers.ModelSerializer):
    stakeholder_group = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=StakeholderGroup.objects.all(),
        allow_null=True,
        required=False,
    )
    interests = serializers.CharField(required=False, allow_blank=True)
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
