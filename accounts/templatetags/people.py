"""`{% person_name person %}`: a contributor as every page shows them (name, badge,
organisation and stakeholder group). accounts/_person_name.html is this tag.
`{% declared_interests person %}`: their declaration of interests, folded, under each of
their contributions (comments, positions, amendments).

Written in Python because the dialogue's lists show one per comment, position and
amendment: an `{% include %}` and a `reverse()` each cost more than the rest of the row.
"""

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

# A pk no person has: reversed once per page, then replaced by each person's pk.
_SENTINEL = 987654321


def person_url(context, pk: int) -> str:
    """reverse("accounts:person", args=[pk]), reversed once per page render."""
    cache = context.render_context.dicts[0]  # the whole render's, not this include's
    url = cache.get("people:person_url")
    if url is None:
        url = cache["people:person_url"] = reverse("accounts:person", args=[_SENTINEL])
    head, _, tail = url.rpartition(str(_SENTINEL))
    return f"{head}{pk}{tail}"


@register.simple_tag(takes_context=True)
def person_name(context, person) -> SafeString:
    """Rendered once per person and page: the dialogue's lists name the same people many
    times (the rendering is kept in the render's context, as the person's URL is)."""
    cache = context.render_context.dicts[0]
    key = ("people:person_name", person.pk)
    html = cache.get(key)
    if html is None:
        html = cache[key] = _person_name(context, person)
    return html


def _person_name(context, person) -> SafeString:
    name = escape(person.public_name)
    if person.deleted_at:
        return mark_safe(f'<span class="person">{name}</span>')  # noqa: S308 - escaped
    html = f'<a class="person" href="{escape(person_url(context, person.pk))}">{name}</a>'
    if person.is_affiliation_verified:
        title = escape(gettext("Affiliation verified by the consultation's administrators"))
        html += f' <span class="badge" title="{title}">{escape(gettext("Verified"))}</span>'
    if person.organisation:
        html += f" · {escape(person.organisation)}"
    if person.stakeholder_group:
        html += f" · {escape(person.stakeholder_group.label)}"
    return mark_safe(html)  # noqa: S308 - every value is escaped above


@register.simple_tag
def declared_interests(person) -> SafeString:
    """The person's declared interests in a <details>, or nothing when they declared none
    or their account is deleted. Reads only the person's own row: the dialogue's selectors
    already load it with each contribution, so a list costs no query per row."""
    if not person.interests or person.deleted_at:
        return mark_safe("")
    summary = escape(gettext("Declared interests"))
    interests = linebreaksbr(person.interests, autoescape=True)  # escapes, then adds <br>
    return mark_safe(  # noqa: S308 - both values are escaped above
        f'<details class="interests"><summary>{summary}</summary><p>{interests}</p></details>'
    )
