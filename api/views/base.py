"""What the API's views share: loading the consultation and the recommendation through the
pages' own helpers (404 to whoever may not see them), and pages of the selectors' Paginators."""

from collections import OrderedDict

from django.core.paginator import Page
from django.utils.functional import cached_property
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from consultation.views.base import load_recommendation
from recommendations import selectors as recommendation_selectors

CONSULTATION = "consultation_slug"
RECOMMENDATION = "recommendation_reference"


def is_schema_generation(view) -> bool:
    """drf-spectacular builds each view without a request's URL arguments."""
    return getattr(view, "swagger_fake_view", False)


class ConsultationScoped:
    """A view under /api/consultations/<slug>/."""

    @cached_property
    def consultation(self):
        return recommendation_selectors.consultation_get_visible(
            user=self.request.user, slug=self.kwargs[CONSULTATION]
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not is_schema_generation(self):
            context["consultation"] = self.consultation
        return context


class RecommendationScoped(ConsultationScoped):
    """A view under /api/consultations/<slug>/recommendations/<reference>/."""

    @cached_property
    def recommendation(self):
        recommendation = load_recommendation(
            self.request, self.kwargs[CONSULTATION], self.kwargs[RECOMMENDATION]
        )
        self.__dict__["consultation"] = recommendation.consultation
        return recommendation

    @cached_property
    def consultation(self):
        return self.recommendation.consultation


def page_response(request, page: Page, data) -> Response:
    """A page of one of the dialogue's selectors (their page sizes are the pages' own), in
    the shape of the API's other pages."""

    def link(number):
        url = request.build_absolute_uri()
        if number is None:
            return None
        if number == 1:
            return remove_query_param(url, "page")
        return replace_query_param(url, "page", number)

    return Response(
        OrderedDict(
            count=page.paginator.count,
            next=link(page.next_page_number()) if page.has_next() else None,
            previous=link(page.previous_page_number()) if page.has_previous() else None,
            results=data,
        )
    )
