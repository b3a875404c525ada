"""`{{ text|source_markdown }}`: a passage of a source document, kept verbatim in the database
(Markdown emphasis included, as the paper writes it), shown with its emphasis rather than its
asterisks. The comments' safe subset and sanitiser render it (core/markup.py)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from core.markup import render_markdown

register = template.Library()


@register.filter
def source_markdown(text: str) -> SafeString:
    return mark_safe(render_markdown(text or ""))  # noqa: S308 - nh3 cleaned it


@register.filter
def source_label(recommendation, consultation) -> str:
    """The recommendation's kind in the consultation's own words (its seed file's)."""
    return consultation.source_label(recommendation.source)
