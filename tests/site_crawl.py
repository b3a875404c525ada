"""A crawl of the site with Django's test client: every page reachable by links from a start
page, and every htmx fragment those pages ask for with `data-hx-get`. The HTML checks
(tests/test_valid_html.py) and the language checks (tests/test_i18n_pages.py) read it."""

import html
import re
from collections import Counter
from urllib.parse import urlsplit

from consultation import services as dialogue
from moderation.models import Flag
from moderation.services import flags

# Not pages: the admin and the API (their own markup), files, and what signs out or deletes.
NOT_CRAWLED = re.compile(
    r"^/(admin|api|static|media)/|/logout/|/delete/|download|export|\.csv|\.pdf|\.svg"
    r"|^/(healthz|readyz|csp-report)"
)
LINK = re.compile(r'\bhref="(/[^"#]*)')
HTMX_GET = re.compile(r'\bdata-hx-get="(/[^"#]*)')
VARIANTS_PER_PATH = 2  # query strings tried per path (sort orders, pages)
MAX_PAGES = 150


def crawl(client, start: str = "/") -> list[tuple[str, str]]:
    """(url, html) of every HTML page reachable by links from `start`, and of every htmx
    fragment their `data-hx-get` attributes ask for."""
    found: list[tuple[str, str]] = []
    queue, seen = [start], {start}
    per_path: Counter = Counter()
    while queue and len(found) < MAX_PAGES:
        url = queue.pop(0)
        response = client.get(url)
        if not response["Content-Type"].startswith("text/html") or response.status_code >= 300:
            continue
        text = response.content.decode()
        found.append((url, text))
        for link in LINK.findall(text):
            link = html.unescape(link)
            path = urlsplit(link).path
            if link in seen or NOT_CRAWLED.search(link) or per_path[path] >= VARIANTS_PER_PATH:
                continue
            seen.add(link)
            per_path[path] += 1
            queue.append(link)
        for fragment in set(HTMX_GET.findall(text)):
            fragment = html.unescape(fragment)
            if fragment not in seen:
                seen.add(fragment)
                answer = client.get(fragment, headers={"HX-Request": "true"})
                found.append((f"{fragment} (htmx)", answer.content.decode()))
    return found


def contribute(white_paper, stakeholder, make_person):
    """A comment thread with a reply, positions and an amendment on the first recommendation,
    and a report on the comment: the dates, the dialogue and the moderation queue."""
    first, second = white_paper.recommendations.order_by("reference")[:2]
    other = make_person("other@example.org", display_name="Olga Other")
    comment = dialogue.comment_create(author=stakeholder, recommendation=first, body="Why so?")
    dialogue.comment_create(author=other, recommendation=first, body="Because.", parent=comment)
    dialogue.comment_edit(comment=comment, acting_user=stakeholder, body="Why so, exactly?")
    dialogue.position_take(author=stakeholder, recommendation=first, stance="endorse")
    dialogue.position_take(author=other, recommendation=first, stance="oppose", reason="Costly.")
    dialogue.position_take(author=other, recommendation=second, stance="endorse")
    dialogue.amendment_propose(
        author=stakeholder,
        recommendation=first,
        title="Sharper",
        body="A sharper wording.",
        justification="Clearer.",
    )
    flags.flag_create(acting_user=other, content=comment, reason=Flag.Reason.SPAM)
    return first
