"""The Swagger UI (drf-spectacular), under the site's security headers."""

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerView


class ApiDocsView(SpectacularSwaggerView):
    """drf-spectacular answers `Cross-Origin-Opener-Policy: unsafe-none` so that an OAuth2
    pop-up can talk back; the API has no OAuth2, so the page keeps the site's `same-origin`.
    Its inline script and style carry the response's CSP nonce (templates/drf_spectacular/)."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        del response.headers["Cross-Origin-Opener-Policy"]
        return response
