"""The organisers' responses, the implementation updates and the synopsis: read by anyone,
written by the consultation team (responses/rules.py, asked again by the services)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from recommendations.models import Consultation, Recommendation
from responses import selectors, services
from responses.exports import synopsis_json
from responses.models import Response
from responses.rules import response_refusal
from responses.synopsis import synopsis

from ..serializers_responses import (
    ImplementationUpdateSerializer,
    ResponseReviewSerializer,
    ResponseSerializer,
    ResponseWriteSerializer,
)
from .base import ConsultationScoped, is_schema_generation

REFERENCE = "recommendation_reference"


class IsTeamForWrites(permissions.BasePermission):
    """Reading is open; writing is the consultation team's (in the rules' words)."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        if not request.user.is_authenticated:
            return False
        refusal = response_refusal(request.user)
        if refusal:
            self.message = refusal
            return False
        return True


class _Scoped(ConsultationScoped):
    permission_classes = [IsTeamForWrites]

    def recommendation(self) -> Recommendation:
        return get_object_or_404(
            Recommendation, consultation=self.consultation, reference=self.kwargs[REFERENCE]
        )


@extend_schema(
    tags=["responses"],
    parameters=[
        OpenApiParameter("status", str, description="A status code, e.g. adopted."),
        OpenApiParameter("pillar", str, description="A pillar code, e.g. P1."),
    ],
)
class ResponseListView(_Scoped, generics.ListAPIView):
    """The organisers' responses, published ones (the team sees drafts too)."""

    serializer_class = ResponseSerializer
    queryset = Response.objects.none()

    def get_queryset(self):
        if is_schema_generation(self):
            return self.queryset
        rows = selectors.response_list_visible(
            user=self.request.user, consultation=self.consultation
        ).prefetch_related("citations__comment__author", "citations__amendment__author")
        rows = rows.select_related("version")
        if code := self.request.query_params.get("status"):
            rows = rows.filter(status__code=code)
        if pillar := self.request.query_params.get("pillar"):
            rows = rows.filter(recommendation__pillar__code=pillar)
        return rows


@extend_schema(tags=["responses"])
class ResponseDetailView(_Scoped, APIView):
    """One recommendation's response. PUT writes the draft, or corrects a published one
    (with a `note` saying why); the team only."""

    def _response(self):
        response = selectors.response_for_page(
            recommendation=self.recommendation(), user=self.request.user
        )
        if response is None:
            raise Http404("No response to this recommendation yet.")
        return response

    @extend_schema(responses=ResponseSerializer)
    def get(self, request, *args, **kwargs):
        return ApiResponse(ResponseSerializer(self._response()).data)

    @extend_schema(request=ResponseWriteSerializer, responses=ResponseSerializer)
    def put(self, request, *args, **kwargs):
        recommendation = self.recommendation()
        data = ResponseWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        statuses = {
            s.code: s for s in services.response_statuses_ensure(consultation=self.consultation)
        }
        status_code = values.pop("status")
        if status_code not in statuses:
            raise ValidationError(
                {"status": [f"Choose one of: {', '.join(statuses)}."]}, code="invalid_choice"
            )
        services.response_save(
            recommendation=recommendation,
            acting_user=request.user,
            status=statuses[status_code],
            comment_ids=values.pop("comments", []),
            amendment_ids=values.pop("amendments", []),
            **values,
        )
        return ApiResponse(ResponseSerializer(self._response()).data)


@extend_schema(tags=["responses"], request=ResponseReviewSerializer, responses=ResponseSerializer)
class ResponseReviewView(_Scoped, APIView):
    """A second member of the team approves the draft, to publish now or at `publish_at`."""

    def post(self, request, *args, **kwargs):
        recommendation = self.recommendation()
        response = selectors.response_for_page(recommendation=recommendation, user=request.user)
        if response is None:
            raise Http404("No response to this recommendation yet.")
        data = ResponseReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.response_review(
            response=response,
            acting_user=request.user,
            publish_at=data.validated_data.get("publish_at"),
        )
        response = selectors.response_for_page(recommendation=recommendation, user=request.user)
        return ApiResponse(ResponseSerializer(response).data)


@extend_schema(tags=["responses"])
class UpdateListView(_Scoped, generics.ListCreateAPIView):
    """The recommendation's implementation updates, newest first (50 a page, or
    `page_size`); the team adds them."""

    serializer_class = ImplementationUpdateSerializer

    def get_queryset(self):
        if is_schema_generation(self):
            return Recommendation.objects.none()
        return selectors.implementation_updates(recommendation=self.recommendation())

    def create(self, request, *args, **kwargs):
        data = ImplementationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        update = services.implementation_update_add(
            recommendation=self.recommendation(),
            acting_user=request.user,
            date=values["date"],
            status=values["status"],
            text=values["text"],
            progress=values.get("progress"),
        )
        return ApiResponse(
            ImplementationUpdateSerializer(update).data, status=status.HTTP_201_CREATED
        )


@extend_schema(
    tags=["responses"],
    description="The synopsis report of a closed consultation (404 before it closes), in the "
    "schema below (responses/synopsis.schema.json).",
    responses={200: OpenApiTypes.OBJECT},
)
class SynopsisView(ConsultationScoped, APIView):
    def get(self, request, *args, **kwargs):
        if self.consultation.state != Consultation.State.CLOSED:
            raise Http404("The synopsis is published once the consultation is closed.")
        return ApiResponse(synopsis_json(synopsis(consultation=self.consultation)))
