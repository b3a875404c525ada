from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("", views.home, name="home"),
    path("consultations/<slug:slug>/", views.consultation_detail, name="consultation"),
    path("consultations/<slug:slug>/pillars/<str:code>/", views.pillar_detail, name="pillar"),
    path(
        "consultations/<slug:slug>/challenges/<str:code>/",
        views.challenge_detail,
        name="challenge",
    ),
    path(
        "consultations/<slug:slug>/recommendations/",
        views.recommendation_list,
        name="list",
    ),
    path(
        "consultations/<slug:slug>/recommendations/<str:reference>/",
        views.recommendation_detail,
        name="detail",
    ),
]
