"""The pages of responses: writing and reviewing one (the team), the implementation timeline,
"You said, we did", "My contributions" and the synopsis. The services check every rule."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consultation.views.base import load_recommendation
from core.forms import add_service_errors
from recommendations.models import Consultation
from recommendations.selectors import consultation_get_visible

from . import exports, selectors, services
from .contributions import my_contributions
from .forms import ResponseForm, ReviewForm, UpdateForm
from .rules import response_refusal
from .synopsis import synopsis


def _team_only(request, response=None, action="write"):
    refusal = response_refusal(request.user, response, action=action)
    if refusal:
        raise services.ResponseRefused(refusal)


@require_http_methods(["GET", "POST"])
def response_edit(request, slug, reference):
    recommendation = load_recommendation(request, slug, reference)
    _team_only(request)
    statuses = services.response_statuses_ensure(consultation=recommendation.consultation)
    response = selectors.response_for_page(recommendation=recommendation, user=request.user)
    comments, amendments = selectors.citable_contributions(recommendation=recommendation)
    initial = {}
    if response is not None:
        initial = {
            "status": str(response.status_id),
            "text": response.text,
            "proposed_title": response.proposed_title,
            "proposed_body": response.proposed_body,
            "comments": [c.comment_id for c in response.citations.all() if c.comment_id],
            "amendments": [c.amendment_id for c in response.citations.all() if c.amendment_id],
        }
    form = ResponseForm(
        request.POST or None,
        initial=initial,
        statuses=statuses,
        comments=comments,
        amendments=amendments,
    )
    if response is None or not response.is_published:
        del form.fields["note"]  # a correction's reason: only once it is published
    if request.method == "POST" and form.is_valid():
        try:
            services.response_save(
                recommendation=recommendation, acting_user=request.user, **form.service_arguments()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The response is saved."))
            return redirect(f"{recommendation.get_absolute_url()}#response")
    return render(
        request,
        "responses/response_form.html",
        {
            "consultation": recommendation.consultation,
            "recommendation": recommendation,
            "response": response,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@require_POST
def response_review(request, slug, reference):
    recommendation = load_recommendation(request, slug, reference)
    _team_only(request)
    response = selectors.response_for_page(recommendation=recommendation, user=request.user)
    if response is None:
        raise Http404("No response yet.")
    _team_only(request, response, action="review")
    form = ReviewForm(request.POST)
    if form.is_valid():
        response = services.response_review(
            response=response, acting_user=request.user, publish_at=form.cleaned_data["publish_at"]
        )
        if response.is_published:
            messages.success(request, _("The response is published."))
        else:
            messages.success(request, _("The response is reviewed: it will be published then."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{recommendation.get_absolute_url()}#response")


@require_POST
def update_add(request, slug, reference):
    recommendation = load_recommendation(request, slug, reference)
    _team_only(request)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            services.implementation_update_add(
                recommendation=recommendation, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The update is added to the timeline."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{recommendation.get_absolute_url()}#implementation")


def you_said_we_did(request, slug):
    consultation = consultation_get_visible(user=request.user, slug=slug)
    return render(
        request,
        "responses/you_said_we_did.html",
        {
            "consultation": consultation,
            "overview": selectors.you_said_we_did(
                consultation=consultation, status=request.GET.get("status") or None
            ),
        },
    )


@login_required
def my_contributions_page(request):
    return render(
        request,
        "responses/my_contributions.html",
        {"page": my_contributions(user=request.user, page=request.GET.get("page"))},
    )


def _closed(request, slug) -> Consultation:
    """The consultation, if the reader may see it and it is closed: the synopsis reports on a
    consultation that is over."""
    consultation = consultation_get_visible(user=request.user, slug=slug)
    if consultation.state != Consultation.State.CLOSED:
        raise Http404(_("The synopsis is published once the consultation is closed."))
    return consultation


def synopsis_page(request, slug):
    report = synopsis(consultation=_closed(request, slug))
    return HttpResponse(exports.synopsis_html(report, request=request))


def synopsis_pdf(request, slug):
    report = synopsis(consultation=_closed(request, slug))
    response = HttpResponse(exports.synopsis_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slug}-synopsis.pdf"'
    return response


def synopsis_json(request, slug):
    report = synopsis(consultation=_closed(request, slug))
    return JsonResponse(exports.synopsis_json(report), json_dumps_params={"ensure_ascii": False})
