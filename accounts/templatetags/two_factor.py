"""The two-factor set-up pages of a moderator sent to set it up (accounts.middleware): why they
are there, and the way back to where they were going."""

from django import template

from ..middleware import SETUP_NEXT
from ..rules import TWO_FACTOR_NEEDED

register = template.Library()


@register.simple_tag(takes_context=True)
def two_factor_setup_next(context) -> str:
    """The path the person was going to when sent to set up two-factor authentication, or ""
    when they came to the set-up by themselves."""
    request = context.get("request")
    return request.session.get(SETUP_NEXT, "") if request is not None else ""


@register.simple_tag
def two_factor_needed() -> str:
    return TWO_FACTOR_NEEDED
