"""The consultation's content: consultations, pillars, challenges, recommendations, versions."""

from django.urls import reverse
from rest_framework import serializers

from recommendations.models import (
    Challenge,
    Consultation,
    Pillar,
    Recommendation,
    RecommendationVersion,
    SeedImport,
)

from .base import MAX_NUMBER, PersonSerializer


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
            "id",
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
