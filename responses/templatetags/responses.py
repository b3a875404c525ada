"""The response at the top of a recommendation's page (the page belongs to recommendations,
below this app: it loads this tag by name, without importing it)."""

from django import template

from .. import selectors
from ..forms import ReviewForm, UpdateForm
from ..models import ImplementationUpdate
from ..rules import is_team_member, response_refusal

register = template.Library()


@register.inclusion_tag("responses/_panel.html", takes_context=True)
def response_panel(context, recommendation):
    user = context["request"].user
    response = selectors.response_for_page(recommendation=recommendation, user=user)
    team = is_team_member(user)
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "recommendation": recommendation,
        "consultation": recommendation.consultation,
        "response": response,
        "timeline": selectors.implementation_timeline(recommendation=recommendation),
        "team": team,
        "may_review": team
        and response is not None
        and response_refusal(user, response, action="review") is None,
        "review_form": ReviewForm(),
        "update_form": UpdateForm(initial={"status": ImplementationUpdate.Status.IN_PROGRESS}),
    }
