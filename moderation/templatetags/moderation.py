"""Template helpers for moderation: where a contribution is, and its state badge."""

from django import template
from django.urls import reverse

from consultation.models import ModerationState

from .. import models
from ..models import kind_of
from ..notices import suspension_words

register = template.Library()

PUBLISHED = ModerationState.PUBLISHED


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


@register.filter
def kind_name(kind: str) -> str:
    """A kind of contribution ("comment") in the active language."""
    return models.kind_name(kind)


@register.filter
def state_word(state: str) -> str:
    """A moderation state's code ("pending"), as the log shows it, in the active language."""
    return models.state_word(state)


@register.filter
def state_before_words(row) -> str:
    """A log row's state before, in words; on lifting a suspension, the suspension it ended
    ("suspended until 05 March 2030")."""
    if row.action == models.ModerationAction.Action.LIFT_SUSPENSION and row.suspended_until:
        return suspension_words(row.suspended_until)
    return models.state_word(row.state_before)


@register.filter
def label_lower(label) -> str:
    """A choice's label inside a sentence (lower case, but German nouns keep their capital)."""
    return models.label_lower(label)


def _include(context, name: str, obj) -> str:
    """What `{% include name with obj=obj %}` renders, with the template cached per render."""
    cache = context.render_context.dicts[0].setdefault("moderation:templates", {})
    tpl = cache.get(name)
    if tpl is None:
        tpl = cache[name] = context.template.engine.get_template(name)
    with context.push(obj=obj):
        return tpl.render(context)


@register.simple_tag(takes_context=True)
def state_badge(context, obj) -> str:
    """moderation/_state_badge.html for `obj`; nothing, without rendering it, when published
    (what almost every row of the dialogue's lists is)."""
    if obj.moderation_state == PUBLISHED:
        return ""
    return _include(context, "moderation/_state_badge.html", obj)


@register.simple_tag(takes_context=True)
def moderation_status(context, obj) -> str:
    """moderation/_status.html for `obj` (state badge, report link); nothing, without
    rendering it, when it would show neither: published, and the viewer is signed out or
    its author."""
    if obj.moderation_state == PUBLISHED:
        user = context.get("user")
        if user is None or not user.is_authenticated or obj.author_id == user.pk:
            return ""
    return _include(context, "moderation/_status.html", obj)
