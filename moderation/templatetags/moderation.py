"""Template helpers for moderation: where a contribution is, and its state badge."""

from django import template
from django.urls import reverse

from ..models import kind_of

register = template.Library()


@register.filter
def content_url(content) -> str:
    """The page a contribution is read on."""
    recommendation = content.recommendation
    if kind_of(content) == "comment":
        return content.get_absolute_url() + f"#comment-{content.pk}"
    if kind_of(content) == "amendment":
        return reverse(
            "consultation:amendment",
            args=[recommendation.consultation.slug, recommendation.reference, content.pk],
        )
    return recommendation.get_absolute_url() + f"#position-{content.pk}"


@register.filter
def discussion_url(content) -> str:
    """The page a contribution is discussed on, at its place: the recommendation's (or, for a
    comment on an amendment, the amendment's). Unlike a comment's permalink page, it stays
    there when the contribution is hidden."""
    recommendation = content.recommendation
    if kind_of(content) == "comment" and content.amendment_id:
        url = reverse(
            "consultation:amendment",
            args=[recommendation.consultation.slug, recommendation.reference, content.amendment_id],
        )
    elif kind_of(content) == "amendment":
        return content_url(content)
    else:
        url = recommendation.get_absolute_url()
    return f"{url}#{kind_of(content)}-{content.pk}"


@register.filter
def content_kind(content) -> str:
    return kind_of(content) if content is not None else ""


@register.simple_tag
def report_url(content) -> str:
    return reverse("moderation:report", args=[kind_of(content), content.pk])
