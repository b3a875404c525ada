"""Template helpers for the dialogue's long lists (comments, positions, amendments)."""

from django import template
from django.urls import reverse

register = template.Library()

# A pk nothing has: each URL name is reversed once per page render with it, then each
# row's pk replaces it.
_SENTINEL = 987654321


@register.simple_tag(takes_context=True)
def pk_url(context, name: str, *args) -> str:
    """`{% url name *args %}` where the last argument is an integer pk (a comment's, an
    amendment's), at the cost of one reverse() per page however many rows link so."""
    *leading, pk = args
    key = ("dialogue:pk_url", name, *leading)
    cache = context.render_context.dicts[0]  # the whole render's, not this include's
    url = cache.get(key)
    if url is None:
        url = cache[key] = reverse(name, args=[*leading, _SENTINEL])
    head, _, tail = url.rpartition(str(_SENTINEL))
    return f"{head}{int(pk)}{tail}"
