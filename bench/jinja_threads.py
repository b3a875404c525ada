"""python -m bench.jinja_threads: does Jinja2 pay for the comment threads' partial?

On the database DATABASE_URL names (the scale bench's, e.g. a copy of bench_s), reads the first
page of threads of the most commented recommendation as an anonymous reader sees it
(consultation.threads), then renders it many times with the Django template the pages use
(consultation/_threads.html) and with a Jinja2 port of the same markup (below: the anonymous
reader's branch only), and times one whole recommendation page rendered afresh (its fragments
kept nowhere). Prints the medians and what Jinja2 would save on the page: we adopt it only if
the page would be more than 1.5 times faster.
"""

import os
import re
import statistics
import sys
import time
from types import SimpleNamespace

import django

REPEAT = 30

# The anonymous reader's branch of consultation/_comment.html (no forms, no moderation links),
# its placeholder and "show more replies", as the Django templates write them.
COMMENT = """\
{% macro comment_node(comment) -%}
{%- set pk = comment.pk -%}
<li class="comment-node depth-{{ comment.depth }}">
  <article id="comment-{{ pk }}" class="comment{% if comment.deleted_at or not comment.text_shown \
%} comment-removed{% endif %}" aria-labelledby="comment-{{ pk }}-by">
    <h3 class="visually-hidden">{% if comment.deleted_at %}{{ _("Comment removed") }}\
{% elif not comment.text_shown %}{{ _("Hidden by the moderators") }}\
{% else %}{{ _("Comment by %(author)s", author=comment.author.public_name) }}{% endif %}</h3>
    {% if comment.deleted_at %}
    <p class="meta comment-meta" id="comment-{{ pk }}-by"><span class="tombstone">\
{{ _("Comment removed") }}</span> · <a class="permalink" \
href="{{ permalink(pk) }}#comment-{{ pk }}"><time datetime="{{ iso(comment.created_at) }}">\
{{ when(comment.created_at) }}</time></a></p>
    {% elif not comment.text_shown %}
    <p class="meta comment-meta comment-placeholder" id="comment-{{ pk }}-by">\
<span class="tombstone">{{ placeholder(comment) }}</span> · <a class="permalink" \
href="{{ permalink(pk) }}#comment-{{ pk }}"><time datetime="{{ iso(comment.created_at) }}">\
{{ when(comment.created_at) }}</time></a></p>
    {% else %}
    <p class="meta comment-meta" id="comment-{{ pk }}-by">{{ person_name(comment.author) }}
      · <a class="permalink" href="{{ permalink(pk) }}#comment-{{ pk }}" \
title="{{ _("Link to this comment") }}"><time datetime="{{ iso(comment.created_at) }}">\
{{ when(comment.created_at) }}</time></a>{% if comment.edited_at %}
      · <span class="edited" title="{{ _("Edited %(date)s", date=when(comment.edited_at)) }}">\
{{ _("edited") }}</span>{% endif %}{% if comment.reply_count %}
      · <span class="reply-count">{{ ngettext("%(num)d reply", "%(num)d replies", \
comment.reply_count) }}</span>{% endif %}
      </p>
    {{ declared_interests(comment.author) }}
    <div class="comment-body">{{ comment.body_html|safe }}</div>
    {% endif %}
  </article>
  {% if comment.children %}
  <ol class="plain comment-replies">
    {% for child in comment.children %}{{ comment_node(child) }}{% endfor %}
    {% if comment.more_replies %}
<li class="more-replies" id="more-replies-{{ pk }}-{{ comment.last_reply.pk }}">
  <a href="{{ replies(pk) }}?after={{ comment.last_reply.pk }}" \
data-hx-get="{{ replies(pk) }}?after={{ comment.last_reply.pk }}" data-hx-target="closest li" \
data-hx-swap="outerHTML">{{ ngettext("Show %(num)d more reply", "Show %(num)d more replies", \
comment.more_replies) }}</a>
</li>
    {% endif %}
  </ol>
  {% endif %}
</li>
{%- endmacro %}
<ol class="plain comment-threads">
{% for comment in threads %}{{ comment_node(comment) }}{% endfor %}
</ol>
"""


def _median_ms(call) -> float:
    call()
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _jinja_render(template, threads) -> str:
    """As {% person_name %} does, each person's name is rendered once per render."""
    from accounts.templatetags import people

    names = SimpleNamespace(render_context=SimpleNamespace(dicts=[{}]))
    return template.render(
        threads=threads, person_name=lambda person: people.person_name(names, person)
    )


def _jinja_environment():
    import jinja2
    from django.template.defaultfilters import date
    from django.urls import reverse
    from django.utils.translation import gettext, ngettext

    from accounts.templatetags import people

    environment = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    environment.install_gettext_callables(gettext, ngettext, newstyle=True)
    environment.globals.update(
        declared_interests=people.declared_interests,
        iso=lambda moment: date(moment, "Y-m-d\\TH:i:sO"),
        when=lambda moment: date(moment, "DATETIME_FORMAT"),
        placeholder=lambda comment: gettext("Hidden by the moderators"),
        reverse=reverse,
    )
    return environment


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench.jinja_threads: set DATABASE_URL to a scale bench database (PostgreSQL).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.scale.settings")
    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Count
    from django.template.loader import render_to_string
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from consultation import selectors
    from recommendations.models import Recommendation

    recommendation = (
        Recommendation.objects.select_related("consultation")
        .annotate(n=Count("comments"))
        .order_by("-n")
        .first()
    )
    consultation = recommendation.consultation
    section = selectors.comment_section(recommendation=recommendation, viewer=AnonymousUser())
    threads = section["threads"]._setupfunc()  # the page of threads itself, read once
    context = {
        **section,
        "threads": threads,
        "consultation": consultation,
        "recommendation": recommendation,
        "refusal": "anonymous",
        "user": AnonymousUser(),
    }
    django_html = render_to_string("consultation/_threads.html", context)

    args = [consultation.slug, recommendation.reference]
    permalink = reverse("consultation:comment", args=[*args, 987654321])
    replies_url = reverse("consultation:comment_replies", args=[*args, 987654321])
    environment = _jinja_environment()
    environment.globals.update(
        permalink=lambda pk: permalink.replace("987654321", str(pk)),
        replies=lambda pk: replies_url.replace("987654321", str(pk)),
    )
    jinja = environment.from_string(COMMENT)
    jinja_html = _jinja_render(jinja, threads)
    articles = (django_html.count("<article "), jinja_html.count("<article "))
    assert articles[0] == articles[1], articles

    django_ms = _median_ms(lambda: render_to_string("consultation/_threads.html", context))
    jinja_ms = _median_ms(lambda: _jinja_render(jinja, threads))

    # The whole page, rendered afresh each time (no fragment kept: a dummy cache).
    client = Client(HTTP_HOST="127.0.0.1")
    url = reverse("recommendations:detail", args=args)
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(CACHES=dummy):
        page_ms = _median_ms(lambda: client.get(url))
    with_jinja = page_ms - django_ms + jinja_ms
    print(
        f"{recommendation.n} comments, {articles[0]} shown; threads' partial: Django "
        f"{django_ms:.1f} ms, Jinja2 {jinja_ms:.1f} ms ({django_ms / jinja_ms:.1f}x); "
        f"the page afresh {page_ms:.1f} ms, with Jinja2 threads {with_jinja:.1f} ms "
        f"({page_ms / with_jinja:.2f}x); sizes {len(django_html)} / {len(jinja_html)} bytes "
        f"({len(re.findall('<li ', django_html))} comments' li)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
