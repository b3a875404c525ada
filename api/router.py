"""The REST API under /api/ (cookiecutter-django style): the router, the schema and its docs.

Everything under a consultation is nested in its URL, as on the pages:
/api/consultations/<slug>/recommendations/<reference>/comments/ ...
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from api.exceptions import not_found
from api.views import content, dialogue, me, moderation, opinions, responses, search
from api.views.docs import ApiDocsView

app_name = "api"

CONSULTATION = r"consultations/(?P<consultation_slug>[-a-zA-Z0-9_]+)"
RECOMMENDATION = CONSULTATION + r"/recommendations/(?P<recommendation_reference>[^/]+)"

router = DefaultRouter()
router.include_root_view = False
router.register("consultations", content.ConsultationViewSet, basename="consultation")
router.register(f"{CONSULTATION}/pillars", content.PillarViewSet, basename="pillar")
router.register(f"{CONSULTATION}/challenges", content.ChallengeViewSet, basename="challenge")
router.register(
    f"{CONSULTATION}/recommendations", content.RecommendationViewSet, basename="recommendation"
)
router.register(f"{RECOMMENDATION}/versions", content.VersionViewSet, basename="version")
router.register(f"{RECOMMENDATION}/comments", dialogue.CommentViewSet, basename="comment")
router.register(f"{RECOMMENDATION}/positions", dialogue.PositionViewSet, basename="position")
router.register(f"{RECOMMENDATION}/amendments", dialogue.AmendmentViewSet, basename="amendment")
router.register("notifications", me.NotificationViewSet, basename="notification")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    path("me/", me.MeView.as_view(), name="me"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("me/preferences/", me.PreferencesView.as_view(), name="preferences"),
    path("me/export/", me.DataExportView.as_view(), name="export"),
    path("moderation/flags/", moderation.FlagCreateView.as_view(), name="flags"),
    path("moderation/queue/", moderation.QueueView.as_view(), name="queue"),
    path("moderation/actions/", moderation.DecisionCreateView.as_view(), name="actions"),
    path(
        "moderation/people/<int:pk>/lift-suspension/",
        moderation.SuspensionLiftView.as_view(),
        name="lift-suspension",
    ),
    path("moderation/log/", moderation.LogView.as_view(), name="log"),
    path("moderation/appeals/", moderation.AppealCreateView.as_view(), name="appeals"),
    path(
        "moderation/appeals/<int:pk>/decide/",
        moderation.AppealDecideView.as_view(),
        name="appeal-decide",
    ),
    re_path(rf"^{CONSULTATION}/results\.csv$", content.ResultsCSV.as_view(), name="results-csv"),
    re_path(rf"^{CONSULTATION}/results\.json$", content.ResultsJSON.as_view(), name="results-json"),
    re_path(
        rf"^{CONSULTATION}/responses/$", responses.ResponseListView.as_view(), name="responses"
    ),
    re_path(
        rf"^{RECOMMENDATION}/response/$", responses.ResponseDetailView.as_view(), name="response"
    ),
    re_path(
        rf"^{RECOMMENDATION}/response/review/$",
        responses.ResponseReviewView.as_view(),
        name="response-review",
    ),
    re_path(rf"^{RECOMMENDATION}/updates/$", responses.UpdateListView.as_view(), name="updates"),
    re_path(rf"^{CONSULTATION}/synopsis/$", responses.SynopsisView.as_view(), name="synopsis"),
    re_path(
        rf"^{CONSULTATION}/opinion-groups/$",
        opinions.OpinionGroupsView.as_view(),
        name="opinion-groups",
    ),
    *router.urls,
    re_path(r"^[\s\S]*$", not_found),  # any path, even one with a newline in it
]
