from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from core.versioning import PEOPLE, public_conditional, version_of

from . import hooks, selectors
from .filters import RecommendationFilter

PAGE_SIZE = 50
LIST_PARAMETERS = frozenset({*RecommendationFilter.base_filters, "page"})


@public_conditional
def home(request):
    consultations = list(selectors.consultation_list_visible(user=request.user))
    featured = consultations[0] if consultations else None
    pillars = selectors.pillar_list(consultation=featured) if featured else []
    return render(
        request,
        "recommendations/home.html",
        {"consultations": consultations, "featured": featured, "pillars": pillars},
    )


@public_conditional
def consultation_detail(request, slug):
    consultation = selectors.consultation_get_visible(user=request.user, slug=slug)
    return render(
        request,
        "recommendations/consultation_detail.html",
        {
            "consultation": consultation,
            "pillars": selectors.pillar_list(consultation=consultation),
        },
    )


@public_conditional
def pillar_detail(request, slug, code):
    consultation = selectors.consultation_get_visible(user=request.user, slug=slug)
    pillar = selectors.pillar_get(consultation=consultation, code=code)
    return render(
        request,
        "recommendations/pillar_detail.html",
        {"consultation": consultation, "pillar": pillar},
    )


@public_conditional
def challenge_detail(request, slug, code):
    consultation = selectors.consultation_get_visible(user=request.user, slug=slug)
    challenge = selectors.challenge_get(consultation=consultation, code=code)
    return render(
        request,
        "recommendations/challenge_detail.html",
        {"consultation": consultation, "challenge": challenge},
    )


@public_conditional
def recommendation_list(request, slug):
    consultation = selectors.consultation_get_visible(user=request.user, slug=slug)
    # The same for every reader: kept in the cache under the catalogue's version, with the
    # filters and the page read only when it is rendered (a SimpleLazyObject each).
    listing = SimpleLazyObject(
        lambda: selectors.recommendation_list(consultation=consultation, filters=request.GET)
    )
    page = SimpleLazyObject(
        lambda: Paginator(listing[1], PAGE_SIZE).get_page(request.GET.get("page"))
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "recommendations/recommendation_list.html",
        {
            "consultation": consultation,
            "catalogue_version": version_of(selectors.CATALOGUE),
            "filter": SimpleLazyObject(lambda: listing[0]),
            "page": page,
            "query": query.urlencode(),
            # Only what changes the list varies the fragment (not a campaign's tracking tags).
            "list_key": urlencode(
                sorted((k, v) for k, v in request.GET.items() if k in LIST_PARAMETERS)
            ),
        },
    )


@public_conditional
def recommendation_detail(request, slug, reference):
    consultation = selectors.consultation_get_visible(user=request.user, slug=slug)
    # Its text, provenance and versions are kept in the cache (under the catalogue's version
    # and the people's): their rows are read only when the fragments are rendered.
    recommendation = selectors.recommendation_get(
        consultation=consultation, reference=reference, in_full=False
    )
    dialogue = hooks.recommendation_page.collect(
        recommendation=recommendation, user=request.user, params=request.GET
    )
    return render(
        request,
        "recommendations/recommendation_detail.html",
        {
            "consultation": consultation,
            "recommendation": recommendation,
            "in_full": SimpleLazyObject(lambda: selectors.recommendation_in_full(recommendation)),
            "catalogue_version": version_of(selectors.CATALOGUE, PEOPLE),
            **dialogue,
        },
    )
