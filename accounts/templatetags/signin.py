"""`{% next_here %}`: the sign-in and sign-up links lead back to the page they were followed
from (allauth carries `next` through sign-up, the e-mail confirmation and sign-in)."""

from urllib.parse import urlencode

from django import template

register = template.Library()

# allauth's own pages (sign-in, sign-up, password reset, ...): the way back is the `next` they
# carry, not themselves.
ACCOUNT_PAGES = "/accounts/"


@register.simple_tag(takes_context=True)
def next_here(context) -> str:
    request = context.get("request")
    if request is None:
        return ""
    if request.path.startswith(ACCOUNT_PAGES):
        target = request.GET.get("next", "")
    else:
        target = request.get_full_path()
    # allauth checks the value when it redirects (its host must be ours).
    return "?" + urlencode({"next": target}) if target and target != "/" else ""
