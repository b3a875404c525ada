"""Bare Django's ceiling: one query and one small template with the same number of items as the
page it stands beside (the `n` the bench counted there). What the platform's page costs above
this is the price of its features, its layout and its code."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from consultation.models import Comment
from recommendations.models import Recommendation

TEMPLATE = engines["django"].from_string(
    """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<main>
<h1>{{ title }}</h1>
{% for item in items %}
<article>
<h2>{{ item.title }}</h2>
<p>{{ item.text|truncatewords:60 }}</p>
<p><time datetime="{{ item.when|date:'Y-m-d' }}">{{ item.when|date }}</time></p>
</article>
{% endfor %}
</main>
</body>
</html>"""
)


def _count(request) -> int:
    return max(1, min(int(request.GET.get("n", "20")), 10_000))


def recommendation_list(request):
    items = [
        {"title": r["title"], "text": r["body"], "when": r["created_at"]}
        for r in Recommendation.objects.order_by("position").values("title", "body", "created_at")[
            : _count(request)
        ]
    ]
    return HttpResponse(TEMPLATE.render({"title": "Recommendations", "items": items}))


def heavy_item(request):
    comments = (
        Comment.objects.order_by("created_at")
        .filter(recommendation_id=request.GET.get("recommendation"))
        .values("author__display_name", "body_html", "created_at")[: _count(request)]
    )
    items = [
        {"title": c["author__display_name"], "text": c["body_html"], "when": c["created_at"]}
        for c in comments
    ]
    return HttpResponse(TEMPLATE.render({"title": "A recommendation", "items": items}))


urlpatterns = [
    path("bench/ceiling/list/", recommendation_list),
    path("bench/ceiling/item/", heavy_item),
    *site_urlpatterns,
]
