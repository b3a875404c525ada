"""The personal API tokens page (/accounts/tokens/): create one (its key shown once) or
revoke one. A plain Django page in the account area, not part of the API itself."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=services.NAME_MAX_LENGTH,
        help_text="What the token is for, e.g. “analysis script”.",
    )


def _page(request, *, form, new_key=None, new_token=None, status=200):
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": selectors.api_token_list(user=request.user),
            "new_key": new_key,
            "new_token": new_token,
        },
        status=status,
    )


@login_required
def token_list(request):
    if request.method != "POST":
        return _page(request, form=TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The key is shown on this response only: it is not stored, so it cannot be shown again.
            response = _page(request, form=TokenForm(), new_key=key, new_token=token, status=201)
            response["Cache-Control"] = "no-store"
            return response
    return _page(request, form=form, status=400)


@login_required
@require_POST
def token_revoke(request, pk):
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404("No such token.")
    try:
        services.api_token_revoke(token=token, acting_user=request.user)
    except PermissionDenied as exc:  # pragma: no cover - the filter above keeps others out
        raise Http404(str(exc)) from None
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("api_tokens:list")
