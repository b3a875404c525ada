"""Search over recommendations, amendments and comments: the web search's own function
(results.search.search), so the API finds what the page finds, for the same person."""

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView

from recommendations.models import Recommendation
from results.search import clean_query, search

from ..pagination import SelectorPagePagination
from ..serializers.search import SearchHitSerializer, SearchQuerySerializer
from .base import page_response


@extend_schema(
    tags=["search"],
    description=(
        "Full-text search, as the site's search page: a page of recommendations, best "
        "first (20 a page, or `page_size`), each with its title and summary snippets and the "
        "best-matching published amendment and comment (`matched`). Snippets are escaped "
        "HTML with the matches in `<mark>`. Only what everyone reads is searched: published "
        "amendments and comments, in consultations the requester may see. An empty `q` gives "
        "an empty page."
    ),
    parameters=[SearchQuerySerializer],
    responses=SearchHitSerializer(many=True),
)
class SearchView(GenericAPIView):
    http_method_names = ["get", "head"]
    pagination_class = SelectorPagePagination  # for the schema: the page is the selector's
    serializer_class = SearchHitSerializer
    queryset = Recommendation.objects.none()  # for the schema: the search reads

    def get(self, request, *args, **kwargs):
        params = SearchQuerySerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        query = clean_query(params.validated_data.get("q"))
        results = search(
            query=query,
            user=request.user,
            page=params.validated_data["page"],
            per_page=params.validated_data.get("page_size"),  # None: the page's 20
        )
        data = SearchHitSerializer(results.object_list, many=True, context={"request": request})
        return page_response(request, results, data.data)
