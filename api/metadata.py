from rest_framework.metadata import BaseMetadata


class MinimalMetadata(BaseMetadata):
    """OPTIONS answers the endpoint's name and description only: the OpenAPI schema
    (/api/schema/) describes the methods and fields. (DRF's default builds a form for each
    write method from the object at hand, which not every endpoint has.)"""

    def determine_metadata(self, request, view):
        return {"name": view.get_view_name(), "description": view.get_view_description()}
