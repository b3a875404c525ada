"""Comments are written in a safe subset of Markdown: rendered by Python-Markdown, then
cleaned by nh3 (the Rust ammonia sanitiser) to an allow-list of tags; links get
rel="nofollow ugc" and only http(s)/mailto targets survive."""

import html
import re

import markdown
import nh3
from django.utils.html import strip_tags

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# A link whose target nh3 removed (javascript:, data:…) keeps its text but must lose its rel:
# HTML allows rel only on a link with an href.
REL_WITHOUT_HREF = re.compile(r'<a((?:(?! href=")[^>])*) rel="nofollow ugc">')


def render_markdown(text: str) -> str:
    # Raw HTML in the source is escaped by nh3 after rendering; headings and images are not
    # in the subset (they would let one comment dominate the page or track readers).
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc",
    )
    return REL_WITHOUT_HREF.sub(r"<a\1>", cleaned)


def markdown_excerpt(text: str, limit: int = 200) -> str:
    """Plain text of a Markdown text as readers see it (rendered and sanitised as above, tags
    stripped, entities decoded, white space collapsed), cut at the last word boundary within
    `limit` characters, with an ellipsis if cut: an e-mail's excerpt never shows `**`."""
    plain = " ".join(html.unescape(strip_tags(render_markdown(text))).split())
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 1]
    if plain[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"
