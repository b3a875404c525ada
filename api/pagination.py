from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination


class PageNumberPagination(BasePageNumberPagination):
    """?page=<n>&page_size=<1..100>; 50 by default, as the recommendation list page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class SelectorPagePagination(BasePageNumberPagination):
    """The dialogue's lists are pages of consultation.selectors, whose sizes are the web
    pages' own: only ?page=<n>. (Used by the schema; the views build the page themselves.)"""

    page_size_query_param = None
