from django.urls import path

from . import views

app_name = "responses"

CONSULTATION = "consultations/<slug:slug>/"
RECOMMENDATION = CONSULTATION + "recommendations/<str:reference>/"

urlpatterns = [
    path(f"{RECOMMENDATION}response/", views.response_edit, name="edit"),
    path(f"{RECOMMENDATION}response/review/", views.response_review, name="review"),
    path(f"{RECOMMENDATION}updates/", views.update_add, name="update_add"),
    path(f"{CONSULTATION}you-said-we-did/", views.you_said_we_did, name="you_said_we_did"),
    path(f"{CONSULTATION}synopsis/", views.synopsis_page, name="synopsis"),
    path(f"{CONSULTATION}synopsis.pdf", views.synopsis_pdf, name="synopsis_pdf"),
    path(f"{CONSULTATION}synopsis.json", views.synopsis_json, name="synopsis_json"),
    path("me/contributions/", views.my_contributions_page, name="my_contributions"),
]
