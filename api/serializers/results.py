"""Open data: the results of a consultation."""

from rest_framework import serializers

from ..opinions_serializers import OpinionGroupsSerializer
from .dialogue import StanceCountsSerializer


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
    comment_count = serializers.IntegerField(
        help_text="Its comments everyone reads (published, not removed): the pages' count."
    )
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
