"""The published consultation: consultations, pillars, challenges, recommendations, their
versions and diffs, and the open-data export of the results. Anyone may read them."""

import io

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import negotiation, renderers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core import spreadsheets
from core.diffs import word_diff
from recommendations import selectors as recommendation_selectors
from recommendations.models import (
    Challenge,
    Consultation,
    Pillar,
    Recommendation,
    RecommendationVersion,
)
from results.opinions.selectors import opinion_groups_latest

from .. import selectors
from ..filters import ConsultationFilterBackend, RecommendationApiFilter
from ..serializers import (
    ChallengeSerializer,
    ConsultationSerializer,
    PillarDetailSerializer,
    PillarSerializer,
    RecommendationDetailSerializer,
    RecommendationSerializer,
    ResultsSerializer,
    VersionDiffQuerySerializer,
    VersionDiffSerializer,
    VersionSerializer,
)
from .base import ConsultationScoped, RecommendationScoped, is_schema_generation


@extend_schema(tags=["consultations"])
class ConsultationViewSet(viewsets.ReadOnlyModelViewSet):
    """Consultations: the published ones (drafts only for staff)."""

    serializer_class = ConsultationSerializer
    queryset = Consultation.objects.none()
    lookup_field = "slug"
    lookup_url_kwarg = "consultation_slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self):
        if is_schema_generation(self):
            return self.queryset
        return recommendation_selectors.consultation_list_visible(user=self.request.user)

    def get_object(self):
        return recommendation_selectors.consultation_get_visible(
            user=self.request.user, slug=self.kwargs["consultation_slug"]
        )


@extend_schema(tags=["consultations"])
class PillarViewSet(ConsultationScoped, viewsets.ReadOnlyModelViewSet):
    """A consultation's pillars, with how many recommendations and challenges each has."""

    queryset = Pillar.objects.none()
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_serializer_class(self):
        return PillarDetailSerializer if self.action == "retrieve" else PillarSerializer

    def get_queryset(self):
        if is_schema_generation(self):
            return self.queryset
        return recommendation_selectors.pillar_list(consultation=self.consultation)

    def get_object(self):
        return recommendation_selectors.pillar_get(
            consultation=self.consultation, code=self.kwargs["code"]
        )


@extend_schema(tags=["consultations"])
class ChallengeViewSet(ConsultationScoped, viewsets.ReadOnlyModelViewSet):
    """The challenges the consultation's document names, with who raised them."""

    serializer_class = ChallengeSerializer
    queryset = Challenge.objects.none()
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if is_schema_generation(self):
            return self.queryset
        return selectors.challenge_list(consultation=self.consultation)

    def get_object(self):
        challenge = self.get_queryset().filter(code=self.kwargs["code"]).first()
        if challenge is None:
            raise Http404("No such challenge.")
        return challenge


@extend_schema(tags=["recommendations"])
class RecommendationViewSet(ConsultationScoped, viewsets.ReadOnlyModelViewSet):
    """Recommendations, filtered as the web list filters them (same parameters, same
    results), with their counts; `ordering` sorts by activity."""

    queryset = Recommendation.objects.none()
    lookup_field = "reference"
    lookup_url_kwarg = "recommendation_reference"
    lookup_value_regex = "[^/]+"
    filter_backends = [ConsultationFilterBackend]
    filterset_class = RecommendationApiFilter

    def get_serializer_class(self):
        if self.action == "retrieve":
            return RecommendationDetailSerializer
        return RecommendationSerializer

    def get_queryset(self):
        if is_schema_generation(self):
            return self.queryset
        # The web list's selector, unfiltered: the filter set (a subclass of the web list's)
        # then applies the request's parameters.
        _, recommendations = recommendation_selectors.recommendation_list(
            consultation=self.consultation
        )
        return selectors.recommendation_annotate(recommendations)

    def get_object(self):
        recommendation = recommendation_selectors.recommendation_get(
            consultation=self.consultation, reference=self.kwargs["recommendation_reference"]
        )
        counts = (
            selectors.recommendation_annotate(Recommendation.objects.filter(pk=recommendation.pk))
            .values("position_count", "endorsement_count", "comment_count", "amendment_count")
            .get()
        )
        for name, value in counts.items():
            setattr(recommendation, name, value)
        return recommendation


@extend_schema(tags=["recommendations"])
class VersionViewSet(RecommendationScoped, viewsets.ReadOnlyModelViewSet):
    """Every wording of a recommendation, newest first; version 1 is the document's."""

    serializer_class = VersionSerializer
    queryset = RecommendationVersion.objects.none()
    lookup_field = "number"
    lookup_value_regex = "[0-9]{1,9}"

    def get_queryset(self):
        if is_schema_generation(self):
            return self.queryset
        return (
            RecommendationVersion.objects.filter(recommendation=self.recommendation)
            .select_related("author__stakeholder_group")
            .order_by("-number")
        )

    def get_object(self):
        version = self.get_queryset().filter(number=self.kwargs["number"]).first()
        if version is None:
            raise Http404("There is no such version of this recommendation.")
        return version

    @extend_schema(parameters=[VersionDiffQuerySerializer], responses=VersionDiffSerializer)
    @action(detail=False, pagination_class=None, filter_backends=[])
    def diff(self, request, *args, **kwargs):
        """The word diff of version `b` against version `a` (as the versions page shows it)."""
        query = VersionDiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        a, b = query.validated_data["a"], query.validated_data["b"]
        by_number = {v.number: v for v in self.get_queryset().filter(number__in=[a, b])}
        missing = [n for n in (a, b) if n not in by_number]
        if missing:
            raise Http404(f"There is no version {missing[0]} of this recommendation.")
        old, new = by_number[a], by_number[b]
        data = {
            "old": old,
            "new": new,
            "title_diff": word_diff(old.title, new.title),
            "body_diff": word_diff(old.body, new.body),
        }
        return Response(VersionDiffSerializer(data, context=self.get_serializer_context()).data)


class ResultsCSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        writer = spreadsheets.writer(out)
        stances = data["stances"]
        writer.writerow(
            [
                "reference",
                "pillar",
                "title",
                "status",
                "response_status",
                "group",
                *stances,
                "total",
                "comments",  # the recommendation's (public) comments, on each of its rows
            ]
        )
        for rec in data["recommendations"]:
            head = [
                rec["reference"],
                rec["pillar"],
                rec["title"],
                rec["status"],
                rec["response_status"] or "",
            ]
            for group in rec["groups"]:
                counts = group["counts"]
                writer.writerow(
                    [
                        *head,
                        group["group"],
                        *(counts[s] for s in stances),
                        group["total"],
                        rec["comment_count"],
                    ]
                )
            totals = rec["totals"]
            writer.writerow(
                [
                    *head,
                    "All groups",
                    *(totals[s] for s in stances),
                    rec["total"],
                    rec["comment_count"],
                ]
            )
        return out.getvalue().encode(self.charset)


class OwnFormat(negotiation.BaseContentNegotiation):
    """Each results address has one format, whatever the Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class _Results(ConsultationScoped, APIView):
    content_negotiation_class = OwnFormat
    http_method_names = ["get", "head"]

    def handle_exception(self, exc):
        # Errors keep the API's JSON error body, even at the CSV address.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    def get(self, request, *args, **kwargs):
        results = selectors.consultation_results(consultation=self.consultation)
        results["opinion_groups"] = opinion_groups_latest(consultation=self.consultation)
        response = Response(ResultsSerializer(results).data)
        filename = f"{self.consultation.slug}-results.{self.extension}"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response


_results_doc = (
    "Positions on each recommendation by stakeholder group, for anyone to reuse (open data). "
)


@extend_schema(
    tags=["open data"],
    description=_results_doc + "One row per recommendation and group, and an “All groups” row.",
    responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV")},
)
class ResultsCSV(_Results):
    renderer_classes = [ResultsCSVRenderer]
    extension = "csv"


@extend_schema(tags=["open data"], description=_results_doc, responses=ResultsSerializer)
class ResultsJSON(_Results):
    renderer_classes = [renderers.JSONRenderer]
    extension = "json"
