"""Taking, changing and withdrawing a position; following a recommendation."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..models import Position
from ..rules import dialogue_refusal
from .base import error_text, load_recommendation, refuse


def _positions_section(request, recommendation, *, status=200, error=None, form_data=None):
    """The positions section as the page shows it, for htmx to swap in place."""
    versions = list(recommendation.versions.all())
    context = {
        "consultation": recommendation.consultation,
        "recommendation": recommendation,
        "current_version": versions[0] if versions else None,
        "summary": selectors.position_summary(recommendation=recommendation),
        "positions": selectors.position_page(
            recommendation=recommendation, page=1, viewer=request.user
        ),
        "participation": selectors.participation_of(
            user=request.user, recommendation=recommendation
        ),
        # As the full page computes it: following is open to every reader, so after a follow
        # (or a take, a moment before the consultation closed) the person may still be one
        # who may not contribute, and should read why rather than get a form refused on use.
        "refusal": dialogue_refusal(request.user, recommendation),
        "stances": Position.Stance,
        "position_error": error,
        "position_form": form_data,
    }
    return render(request, "consultation/_positions.html", context, status=status)


@login_required
@require_POST
def position_take(request, slug, reference):
    recommendation = load_recommendation(request, slug, reference)
    back = recommendation.get_absolute_url() + "#your-position"
    data = {
        "stance": request.POST.get("stance", ""),
        "reason": request.POST.get("reason", ""),
        "on_behalf_of_organisation": request.POST.get("on_behalf_of_organisation") == "on",
    }
    try:
        services.position_take(author=request.user, recommendation=recommendation, **data)
    except services.ContributionRefused as exc:
        return refuse(request, str(exc), status=403, back=back)
    except ValidationError as exc:
        if request.htmx:
            return _positions_section(
                request, recommendation, status=422, error=error_text(exc), form_data=data
            )
        # Without JavaScript: show the page's form again with the error and the reason kept.
        return _position_form_page(request, recommendation, error=error_text(exc), form_data=data)
    if request.htmx:
        return _positions_section(request, recommendation)
    return redirect(back)


def _position_form_page(request, recommendation, *, error, form_data):
    versions = list(recommendation.versions.all())
    return render(
        request,
        "consultation/position_form_page.html",
        {
            "consultation": recommendation.consultation,
            "recommendation": recommendation,
            "current_version": versions[0] if versions else None,
            "participation": selectors.participation_of(
                user=request.user, recommendation=recommendation
            ),
            "stances": Position.Stance,
            "position_error": error,
            "position_form": form_data,
        },
        status=422,
    )


@login_required
@require_POST
def position_withdraw(request, slug, reference):
    recommendation = load_recommendation(request, slug, reference)
    try:
        services.position_withdraw(author=request.user, recommendation=recommendation)
    except services.ContributionRefused as exc:
        return refuse(request, str(exc), status=403, back=recommendation.get_absolute_url())
    if request.htmx:
        return _positions_section(request, recommendation)
    return redirect(recommendation.get_absolute_url() + "#your-position")


@login_required
@require_POST
def follow(request, slug, reference):
    """Follow (follow=1) or unfollow (follow=0). Reading needs no permission, so neither
    does following what one can read."""
    recommendation = load_recommendation(request, slug, reference)
    if request.POST.get("follow") == "1":
        services.follow_create(user=request.user, recommendation=recommendation)
    else:
        services.follow_delete(user=request.user, recommendation=recommendation)
    if request.htmx:
        return _positions_section(request, recommendation)
    return redirect(recommendation.get_absolute_url() + "#follow")


def routes(prefix: str) -> list:
    return [
        path(f"{prefix}position/", position_take, name="position_take"),
        path(f"{prefix}position/withdraw/", position_withdraw, name="position_withdraw"),
        path(f"{prefix}follow/", follow, name="follow"),
    ]
