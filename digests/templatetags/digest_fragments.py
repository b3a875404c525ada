"""{% shared key … %}…{% endshared %}: a part of a digest that is the same for many people
(a recommendation's news, the most active discussions) rendered once per language.

The digests share one dict (Digest.fragments: selectors.shared_fragments); the block's
output is kept there under the block itself (a template loaded again makes new keys), the
active language, the autoescaping and the key's values, which must say everything the block
shows. Without that dict in the context (`digest_fragments`), the block is simply rendered.
"""

from django import template
from django.utils.translation import get_language

register = template.Library()


class SharedNode(template.Node):
    def __init__(self, nodelist, keys):
        self.nodelist = nodelist
        self.keys = keys

    def render(self, context):
        fragments = context.get("digest_fragments")
        if fragments is None:
            return self.nodelist.render(context)
        key = (
            self,
            get_language(),
            context.autoescape,
            *(k.resolve(context) for k in self.keys),
        )
        try:
            return fragments[key]
        except KeyError:
            output = fragments[key] = self.nodelist.render(context)
            return output


@register.tag
def shared(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes at least one key.")
    nodelist = parser.parse(("endshared",))
    parser.delete_first_token()
    return SharedNode(nodelist, [parser.compile_filter(bit) for bit in bits[1:]])
