from django.urls import path
from django.views.generic import TemplateView

from . import legal, views

app_name = "accounts"

urlpatterns = [
    path("accounts/profile/", views.profile_edit, name="profile"),
    path("accounts/preferences/", views.preferences_edit, name="preferences"),
    path("language/", views.language_set, name="language"),
    path("accounts/data-export/", views.data_export, name="data_export"),
    path("accounts/delete/", views.delete_account, name="delete"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("invitations/", views.invitation_list, name="invitations"),
    path("invitations/new/", views.invitation_new, name="invitation_new"),
    path("invitations/import/", views.invitation_import, name="invitation_import"),
    path(
        "terms/",
        TemplateView.as_view(
            template_name="legal/terms.html", extra_context={"version": legal.TERMS_VERSION}
        ),
        name="terms",
    ),
    path(
        "privacy/",
        TemplateView.as_view(
            template_name="legal/privacy.html", extra_context={"version": legal.PRIVACY_VERSION}
        ),
        name="privacy",
    ),
]
