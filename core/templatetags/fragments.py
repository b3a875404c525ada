"""`{% fragment version "name" vary... %}…{% endfragment %}`: the enclosed template's output,
kept in the cache under its name, `version` (core.versioning.version_of: it changes with the
content shown), the active language and the `vary` values; read back while they hold.

A false `version` renders the fragment fresh and keeps nothing: a selector gives none where the
fragment depends on the viewer (a signed-in reader's forms), or when the cache did not answer.
The cache failing open (config's settings), an outage renders every fragment fresh. The values
the fragment alone needs are best given lazily (SimpleLazyObject): a kept fragment then costs no
query for them.
"""

from django import template
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.utils import translation
from django.utils.safestring import mark_safe

register = template.Library()

# Long enough to serve a page's readers, short enough to bound what a write made while the
# cache was unreachable leaves stale (its version could not be replaced).
FRAGMENT_SECONDS = 600


class FragmentNode(template.Node):
    def __init__(self, nodelist, version, name, vary):
        self.nodelist = nodelist
        self.version = version
        self.name = name
        self.vary = vary

    def render(self, context):
        version = self.version.resolve(context)
        if not version:
            return self.nodelist.render(context)
        parts = [version, translation.get_language(), *(v.resolve(context) for v in self.vary)]
        key = make_template_fragment_key(self.name.resolve(context), parts)
        html = cache.get(key)
        if html is None:
            html = self.nodelist.render(context)
            cache.set(key, html, FRAGMENT_SECONDS)
        return mark_safe(html)  # noqa: S308 - the template's own output, escaped as it rendered


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes a version and a name.")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    version, name, *vary = (parser.compile_filter(bit) for bit in bits[1:])
    return FragmentNode(nodelist, version, name, vary)
