"""Every URL pattern the site serves, as `show_urls` lists them: the route and its name."""

from django.urls import URLPattern, URLResolver, get_resolver


def url_patterns(patterns=None, prefix: str = "", namespace: str = "") -> list[str]:
    lines = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            lines += url_patterns(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else "-"
            lines.append(f"{route}\t{name}")
    return lines
