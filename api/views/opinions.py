"""The opinion groups of a consultation: its latest stored run, read-only and anonymous."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from results.opinions.selectors import opinion_groups_latest

from ..opinions_serializers import OpinionGroupsSerializer, opinion_groups_data
from .base import ConsultationScoped


@extend_schema(
    tags=["open data"],
    description=(
        "The consultation's opinion groups, found in the positions themselves (latest run): "
        "each group's size, composition by declared stakeholder group (those under 5 people "
        "counted as other) and the recommendations that represent it, with the group-informed "
        "consensus and divisiveness of every recommendation and the run's metadata. "
        "`run` is null and the lists empty before the first run."
    ),
    responses=OpinionGroupsSerializer,
)
class OpinionGroupsView(ConsultationScoped, APIView):
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        groups = opinion_groups_latest(consultation=self.consultation)
        return Response(opinion_groups_data(groups))
