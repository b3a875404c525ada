"""What every dialogue view shares: loading through access helpers, and answering a refusal
the same way for htmx and for plain forms."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.html import escape
from django.utils.translation import gettext as _

from recommendations import selectors as recommendation_selectors


def load_recommendation(request, slug: str, reference: str):
    """The recommendation, or 404 to anyone who may not see its consultation."""
    consultation = recommendation_selectors.consultation_get_visible(user=request.user, slug=slug)
    recommendation = recommendation_selectors.recommendation_get(
        consultation=consultation, reference=reference
    )
    recommendation.consultation = consultation
    return recommendation


def error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do that.")


def refuse(request, message: str, *, status: int, back: str) -> HttpResponse:
    """An htmx request gets the message in place (HX-Retarget to the page's alert area);
    a plain form post gets a flash message and goes back."""
    if request.htmx:
        response = HttpResponse(
            f'<p class="message message-error" role="alert">{escape(message)}</p>', status=status
        )
        response["HX-Retarget"] = "#alerts"
        response["HX-Reswap"] = "innerHTML"
        return response
    messages.error(request, message)
    return redirect(back)
