"""The dialogue's URLs, under a recommendation's own URL. Each view module adds its routes."""

from django.urls import path  # noqa: F401 - used by the routes each module adds below

from .views import amendments, comments, positions, versions

app_name = "consultation"

PREFIX = "consultations/<slug:slug>/recommendations/<str:reference>/"

urlpatterns = [
    *positions.routes(PREFIX),
    *amendments.routes(PREFIX),
    *versions.routes(PREFIX),
    *comments.routes(PREFIX),
]
