"""The API token page, in the account area. The API itself is api/router.py."""

from django.urls import path

from .views import tokens

app_name = "api_tokens"

urlpatterns = [
    path("accounts/tokens/", tokens.token_list, name="list"),
    path("accounts/tokens/<int:pk>/revoke/", tokens.token_revoke, name="revoke"),
]
