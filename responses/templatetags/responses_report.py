from django import template
from django.utils.translation import gettext as _

from accounts.models import stakeholder_group_label

from ..synopsis import NO_GROUP

register = template.Library()


@register.filter
def lookup(counts: dict, key: str):
    return counts.get(key, 0)


@register.filter
def group_label(name: str) -> str:
    """A stakeholder group's name as the synopsis shows it, in the reader's language."""
    return stakeholder_group_label(None if name == NO_GROUP else name)


@register.filter
def kind_label(kind: str) -> str:
    return {
        "comments": _("Comments"),
        "amendments": _("Amendments"),
        "positions": _("Positions"),
    }.get(kind, kind)
