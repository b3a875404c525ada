"""The dialogue's URLs, mounted in config/urls.py under a recommendation's own URL
(consultations/<slug>/recommendations/<reference>/). Each view module adds its routes."""

from .views import amendments, comments, positions, versions

app_name = "consultation"

# A recommendation's URL, under which config/urls.py mounts these.
PREFIX = "consultations/<slug:slug>/recommendations/<str:reference>/"

urlpatterns = [
    *positions.routes(""),
    *amendments.routes(""),
    *versions.routes(""),
    *comments.routes(""),
]
