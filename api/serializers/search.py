"""The search's hits (results.search.Hit), as the search page shows them."""

from rest_framework import serializers

from ..fields import StrictCharField
from .base import MAX_NUMBER, PageQuerySerializer


class SnippetSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["amendment", "comment"])
    url = serializers.CharField(help_text="The page of the amendment or comment.")
    text = serializers.CharField(help_text="Escaped HTML, the matches in <mark>.")


class SearchHitSerializer(serializers.Serializer):
    consultation = serializers.CharField(source="recommendation.consultation.slug")
    reference = serializers.CharField(source="recommendation.reference")
    url = serializers.CharField(source="recommendation.get_absolute_url")
    title = serializers.CharField(help_text="Escaped HTML, the matches in <mark>.")
    summary = serializers.CharField(help_text="Escaped HTML, the matches in <mark>.")
    matched = SnippetSerializer(many=True)


class SearchQuerySerializer(PageQuerySerializer):
    q = StrictCharField(required=False, allow_blank=True, help_text="The words to find.")
    page = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=MAX_NUMBER, help_text="The page."
    )
