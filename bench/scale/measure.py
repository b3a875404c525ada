"""Times every heavy page at the database's current size: one connection, then four at once.

Each page: warm-up requests, then `requests` timed ones on one keep-alive connection (p50, p95),
then the same number spread over four connections at once (p50); the SQL queries of a request
(X-Query-Count, from bench.middleware), the response's size, and the gunicorn workers' peak
resident memory after it. Beside the list and the heavy item, bare Django's ceiling for the same
number of items (bench/scale/ceiling.py).
"""

import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.db.models import Count
from django.test import Client as DjangoClient
from django.urls import reverse

from accounts.models import User
from accounts.rules import MODERATORS
from bench.measure import Client, percentile
from consultation.models import Comment, Position
from recommendations.models import Consultation, Recommendation

CONCURRENCY = 4


@dataclass
class Target:
    name: str
    path: str
    requests: int = 20
    signed_in: bool = False
    ceiling_of: str = ""  # the page whose items the ceiling counts


@dataclass
class Timing:
    name: str
    path: str
    status: int = 200
    single_ms: list[float] = field(default_factory=list)
    concurrent_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    queries: set[int] = field(default_factory=set)
    size_bytes: int = 0
    items: int = 0
    worker_peak_rss_kb: int | None = None
    error: str = ""

    def summary(self) -> dict:
        def p50(values):
            return round(statistics.median(values), 1) if values else None

        return {
            "name": self.name,
            "path": self.path,
            "status": self.status,
            "p50_ms": p50(self.single_ms),
            "p95_ms": round(percentile(self.single_ms, 95), 1) if self.single_ms else None,
            "server_p50_ms": p50(self.server_ms),
            "concurrent_p50_ms": p50(self.concurrent_ms),
            "queries": sorted(self.queries),
            "kb": round(self.size_bytes / 1024, 1),
            "items": self.items,
            "worker_peak_rss_mb": round(self.worker_peak_rss_kb / 1024)
            if self.worker_peak_rss_kb
            else None,
            "error": self.error,
        }


def moderator_cookie() -> str:
    """A moderator with two-factor authentication, signed in: the session cookie."""
    moderator, created = User.objects.get_or_create(
        email="moderator@scale-bench.example.org",
        defaults={"display_name": "Scale moderator", "is_staff": False},
    )
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    if created or not Authenticator.objects.filter(user=moderator).exists():
        TOTP.activate(moderator, generate_totp_secret())
    client = DjangoClient()
    client.force_login(moderator)
    return f"sessionid={client.cookies['sessionid'].value}"


def targets() -> list[Target]:
    c = Consultation.objects.order_by("pk").first()
    heavy = (
        Recommendation.objects.filter(consultation=c)
        .annotate(n=Count("comments"))
        .order_by("-n")
        .first()
    )
    slug, ref = c.slug, heavy.reference
    api = f"/api/consultations/{slug}"
    return [
        Target("recommendation list", reverse("recommendations:list", args=[slug])),
        Target("heaviest recommendation", reverse("recommendations:detail", args=[slug, ref])),
        Target("results page", reverse("results:consultation", args=[slug])),
        Target("web results data.csv", reverse("results:report_csv", args=[slug]), requests=3),
        Target("web results report.html", reverse("results:report_html", args=[slug]), requests=3),
        Target("API results.csv", f"{api}/results.csv", requests=5),
        Target("API results.json", f"{api}/results.json", requests=5),
        Target("web search 'reimbursement'", reverse("results:search") + "?q=reimbursement"),
        Target("API recommendations list", f"{api}/recommendations/"),
        Target("moderation queue", reverse("moderation:queue"), signed_in=True),
        Target("ceiling: list", "/bench/ceiling/list/", ceiling_of="recommendation list"),
        Target(
            "ceiling: heavy item",
            f"/bench/ceiling/item/?recommendation={heavy.pk}",
            ceiling_of="heaviest recommendation",
        ),
    ]


def counts() -> dict:
    return {
        "people": User.objects.count(),
        "positions": Position.objects.count(),
        "comments": Comment.objects.count(),
    }


def _get(client: Client, path: str, cookie: str):
    start = time.perf_counter()
    headers = {"Cookie": cookie} if cookie else {}
    if path.startswith("/api/"):  # what a script asks for: JSON (or the CSV of a .csv path)
        headers["Accept"] = "application/json, text/csv;q=0.9"
    response, body = client.get(path, headers=headers)
    return response, body, (time.perf_counter() - start) * 1000


def _items(body: bytes) -> int:
    """The items a page shows: its articles (cards, comments), as the ceiling renders them."""
    return len(re.findall(rb"<article\b", body))


def time_page(server, target: Target, cookie: str, items: dict[str, int], warmup: int) -> Timing:
    path = target.path
    if target.ceiling_of:
        joiner = "&" if "?" in path else "?"
        path = f"{path}{joiner}n={items.get(target.ceiling_of, 20)}"
    timing = Timing(target.name, path)
    cookie = cookie if target.signed_in else ""
    client = Client(server.host, server.port)
    try:
        for _ in range(min(warmup, target.requests)):
            _get(client, path, cookie)
        for _ in range(target.requests):
            response, body, ms = _get(client, path, cookie)
            if response.status != 200:
                timing.status = response.status
                timing.error = " ".join(body[:300].decode(errors="replace").split())
                return timing
            timing.single_ms.append(ms)
            timing.server_ms.append(float(response.getheader("X-Server-Time-Ms", "nan")))
            timing.queries.add(int(response.getheader("X-Query-Count", "-1")))
            timing.size_bytes = len(body)
            timing.items = _items(body)
    except OSError as exc:
        timing.error = f"{type(exc).__name__}: {exc}"
        return timing
    finally:
        client.close()

    def one_connection(n: int) -> list[float]:
        c = Client(server.host, server.port)
        try:
            return [_get(c, path, cookie)[2] for _ in range(n)]
        finally:
            c.close()

    each = max(1, target.requests // CONCURRENCY)
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        for times in pool.map(one_connection, [each] * CONCURRENCY):
            timing.concurrent_ms.extend(times)
    timing.worker_peak_rss_kb = server.peak_rss_kb()
    return timing


def measure(server, *, warmup: int = 3) -> list[dict]:
    cookie = moderator_cookie()
    items: dict[str, int] = {}
    rows = []
    for target in targets():
        timing = time_page(server, target, cookie, items, warmup)
        items[target.name] = timing.items
        rows.append(timing.summary())
        print(f"  {target.name}: p50 {rows[-1]['p50_ms']} ms, {rows[-1]['kb']} KB", flush=True)
    return rows
