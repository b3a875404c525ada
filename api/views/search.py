"""Search over recommendations, amendments and comments: the web search's own function
(results.search.search), so the API finds what the page finds, for the same person."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from results.search import clean_query, search

from ..serializers.search import SearchHitSerializer
from .base import page_response


@extend_schema(
    tags=["search"],
    description=(
        "Full-text search, as the site's search page: a page of recommendations (20), best "
        "first, each with its title and summary snippets and the best-matching published "
        "amendment and comment (`matched`). Snippets are escaped HTML with the matches in "
        "`<mark>`. Only what everyone reads is searched: published amendments and comments, "
        "in consultations the requester may see. An empty `q` gives an empty page."
    ),
    parameters=[
        OpenApiParameter("q", str, description="The words to find."),
        OpenApiParameter("page", int, description="The page of results."),
    ],
    responses=SearchHitSerializer(many=True),
)
class SearchView(APIView):
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        page = request.query_params.get("page", "1")
        if not page.isdigit() or int(page) < 1:
            raise serializers.ValidationError({"page": "A page number: 1, 2, ..."})
        query = clean_query(request.query_params.get("q"))
        results = search(query=query, user=request.user, page=page)
        data = SearchHitSerializer(results.object_list, many=True, context={"request": request})
        return page_response(request, results, data.data)
