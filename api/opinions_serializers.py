"""The opinion groups of a consultation's latest run (results/opinions/), read-only."""

from rest_framework import serializers

from results.models import OpinionRun


def _letter(label: int) -> str:
    return chr(ord("A") + label)


class OpinionRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpinionRun
        fields = [
            "created_at",
            "trigger",
            "participants",
            "excluded_participants",
            "positions",
            "recommendations",
            "k",
            "silhouette",
            "duration_ms",
            "parameters",
        ]


class RepresentativeSerializer(serializers.Serializer):
    recommendation = serializers.CharField(source="recommendation.reference")
    stance = serializers.CharField(
        help_text="`endorse` or `oppose`: what the group does distinctively."
    )
    share_in_group = serializers.FloatField(source="p_in")
    share_outside = serializers.FloatField(source="p_out")
    representativeness = serializers.FloatField()
    z = serializers.FloatField(help_text="Two-proportion z-test, group against the rest.")


class CompositionSerializer(serializers.Serializer):
    stakeholder_group = serializers.CharField()
    participants = serializers.IntegerField()

    def to_representation(self, instance):
        name, count = instance
        return {"stakeholder_group": name, "participants": count}


class OpinionGroupSerializer(serializers.Serializer):
    group = serializers.SerializerMethodField()
    participants = serializers.IntegerField(source="size")
    share = serializers.FloatField()
    centre = serializers.ListField(child=serializers.FloatField())
    composition = CompositionSerializer(many=True)
    other_participants = serializers.IntegerField(
        source="other",
        help_text="Declared stakeholder groups of fewer than 5 in this group, and none given.",
    )
    representative = RepresentativeSerializer(many=True)

    def get_group(self, obj) -> str:
        return _letter(obj.label)


class RecommendationScoreSerializer(serializers.Serializer):
    recommendation = serializers.CharField(source="recommendation.reference")
    consensus = serializers.FloatField(help_text="Product over the groups of p(endorse).")
    consensus_oppose = serializers.FloatField()
    divisiveness = serializers.FloatField()
    divergence = serializers.FloatField(
        help_text="Spread across opinion groups minus spread across declared groups."
    )
    agreement = serializers.ListField(
        child=serializers.FloatField(), help_text="p(endorse) per group, in the groups' order."
    )


class DeclaredGroupSerializer(serializers.Serializer):
    stakeholder_group = serializers.CharField(source="name")
    participants = serializers.IntegerField(source="size")
    main_group = serializers.SerializerMethodField()
    main_share = serializers.FloatField()

    def get_main_group(self, obj) -> str:
        return _letter(obj["main_group"])


class OpinionGroupsSerializer(serializers.Serializer):
    run = OpinionRunSerializer(allow_null=True)
    groups = OpinionGroupSerializer(many=True)
    recommendations = RecommendationScoreSerializer(many=True)
    declared = DeclaredGroupSerializer(many=True)
    label_agreement = serializers.FloatField(
        allow_null=True, help_text="Adjusted mutual information of declared and opinion groups."
    )


EMPTY = {"run": None, "groups": [], "recommendations": [], "declared": [], "label_agreement": None}


def opinion_groups_data(groups) -> dict:
    """The latest run as the API and the results JSON give it (EMPTY before any run)."""
    return OpinionGroupsSerializer(groups).data if groups is not None else dict(EMPTY)
