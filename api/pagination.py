"""The pages of the API's lists. One rule for every list: ?page=<n> and ?page_size=<1..100>
(api.serializers.base.PageSizeQuerySerializer), a size outside it refused with a 400 naming
`page_size`. DRF's own lists page here; the lists that are pages of a selector read the same
serializer and build the page with api.views.base.page_response."""

from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination

from .serializers.base import MAX_PAGE_SIZE, PageSizeQuerySerializer


class PageNumberPagination(BasePageNumberPagination):
    """?page=<n>&page_size=<1..100>; 50 by default, as the recommendation list page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        """The query serializer's page_size: a size that is not a whole number from 1 to the
        maximum is a 400, neither ignored nor cut down to the maximum."""
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        query = PageSizeQuerySerializer(data={"page_size": given})
        query.is_valid(raise_exception=True)
        return query.validated_data["page_size"]

    def get_schema_operation_parameters(self, view):
        """The bounds the API keeps, in the schema too (a page past the last is a 404)."""
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            "page": {"minimum": 1},
            "page_size": {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
            if parameter["name"] == "page_size":
                parameter["description"] = (
                    f"Items a page, 1 to {self.max_page_size} ({self.page_size} if left out)."
                )
        return parameters


class SelectorPagePagination(BasePageNumberPagination):
    """The lists that are pages of a selector (the dialogue's, the moderators', the search):
    their default sizes are the web pages' own, and their query serializers (subclasses of
    PageQuerySerializer) take ?page= and ?page_size=. (Used by the schema, for the page's
    shape; the views build the page themselves.)"""

    page_size_query_param = None
