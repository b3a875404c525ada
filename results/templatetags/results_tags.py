from django import template

from results.charts import score_text

register = template.Library()


@register.filter
def score(value):
    """A score or support in [−1, 1] with its sign, e.g. +0.75 (a dash when there is none)."""
    return score_text(value)


@register.filter
def percent(value):
    return "—" if value is None else f"{round(value * 100)}%"
