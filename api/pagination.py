from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination

MAX_PAGE_SIZE = 100


class PageNumberPagination(BasePageNumberPagination):
    """?page=<n>&page_size=<1..100>; 50 by default, as the recommendation list page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        """A page_size that is not a whole number of at least 1 is a 400, not ignored; one
        above the maximum gives the maximum."""
        value = request.query_params.get(self.page_size_query_param)
        if value is not None and not (value.isdigit() and int(value) >= 1):
            raise ValidationError(
                {"page_size": [f"A whole number from 1 to {self.max_page_size}."]}, code="invalid"
            )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        """The bounds the API keeps, in the schema too (a page past the last is a 404)."""
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            "page": {"minimum": 1},
            "page_size": {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


class SelectorPagePagination(BasePageNumberPagination):
    """The dialogue's lists are pages of consultation.selectors, whose default sizes are the
    web pages' own; their query serializers take ?page= and ?page_size=. (Used by the schema;
    the views build the page themselves.)"""

    page_size_query_param = None
