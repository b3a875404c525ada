from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("csp-report/", views.csp_report, name="csp-report"),
    path("admin/", admin.site.urls),
    path("api/", include("api.router")),
    path("", include("api.urls")),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("moderation/", include("moderation.urls")),
    path("", include("digests.urls")),
    path("", include("results.urls")),
    path("", include("responses.urls")),
    path(
        "consultations/<slug:slug>/recommendations/<str:reference>/",
        include("consultation.urls"),
    ),
    path("", include("recommendations.urls")),
]

# A database outage outside a view (a middleware loading the session) is a 503 too.
handler500 = "config.middleware.server_error"
# allauth's own limits (sign-up, password reset, e-mail confirmation) answer through this.
handler429 = "config.views.too_many_requests"
