"""Serializers of the organisers' responses and the implementation updates (responses app)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from responses.models import ImplementationUpdate, Response, ResponseCitation


class ResponseCitationSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    id = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()

    class Meta:
        model = ResponseCitation
        fields = ["kind", "id", "author"]

    def get_kind(self, obj) -> str:
        return "comment" if obj.comment_id else "amendment"

    def get_id(self, obj) -> int:
        return obj.comment_id or obj.amendment_id

    def get_author(self, obj) -> str:
        return obj.contribution.author.public_name


# Named apart from "Response": generated clients (openapi-python-client) have a type of
# that name already, for the HTTP response.
@extend_schema_serializer(component_name="OrganiserResponse")
class ResponseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="recommendation.reference", read_only=True)
    pillar = serializers.CharField(source="recommendation.pillar.code", read_only=True)
    status = serializers.CharField(source="status.code", read_only=True)
    status_label = serializers.CharField(source="status.name", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True, default=None)
    citations = ResponseCitationSerializer(many=True, read_only=True)

    class Meta:
        model = Response
        fields = [
            "reference",
            "pillar",
            "state",
            "status",
            "status_label",
            "text",
            "text_html",
            "proposed_title",
            "proposed_body",
            "version",
            "breakdown",
            "citations",
            "revision",
            "publish_at",
            "published_at",
            "corrected_at",
            "sample",
        ]
        read_only_fields = fields


class ResponseWriteSerializer(serializers.Serializer):
    """A draft (or, once published, a correction with its `note`)."""

    status = serializers.SlugField(help_text="The code of one of the consultation's statuses.")
    text = serializers.CharField(max_length=20_000, help_text="Markdown.")
    proposed_title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    proposed_body = serializers.CharField(required=False, allow_blank=True)
    comments = serializers.ListField(child=serializers.IntegerField(), required=False)
    amendments = serializers.ListField(child=serializers.IntegerField(), required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ResponseReviewSerializer(serializers.Serializer):
    publish_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When to publish; now if left out."
    )


class ImplementationUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImplementationUpdate
        fields = ["id", "date", "status", "progress", "text", "text_html", "created_at"]
        read_only_fields = ["id", "text_html", "created_at"]
