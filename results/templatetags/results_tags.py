from django import template

from results.charts import score_text
from results.opinions import selectors as opinion_selectors
from results.selectors import group_label

register = template.Library()


@register.filter
def score(value):
    """A score or support in [−1, 1] with its sign, e.g. +0.75 (a dash when there is none)."""
    return score_text(value)


@register.filter
def percent(value):
    return "—" if value is None else f"{round(value * 100)}%"


@register.filter
def group_name(value):
    """A stakeholder group's name as the results show it, in the active language."""
    return group_label(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def index(sequence, i):
    return sequence[i]


@register.filter
def opinion_group_name(label):
    return opinion_selectors.group_name(label)
