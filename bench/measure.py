"""Requests a page N times over one keep-alive connection and summarises the timings."""

import http.client
import math
import statistics
import time
from dataclasses import asdict, dataclass, field


@dataclass
class Page:
    scenario: str
    name: str
    path: str


@dataclass
class Result:
    scenario: str
    name: str
    path: str
    requests: int = 0
    status: int | None = None  # the first status that was not 200, else 200
    error: str = ""
    server_ms: list[float] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    query_counts: list[int] = field(default_factory=list)
    response_bytes: int = 0
    connections: int = 0
    worker_peak_rss_kb: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error

    @property
    def queries(self) -> int | str:
        """The query count, or "a-b" when it varied (it must not)."""
        if not self.query_counts:
            return ""
        low, high = min(self.query_counts), max(self.query_counts)
        return low if low == high else f"{low}-{high}"

    def summary(self) -> dict:
        data = asdict(self)
        for key in ("server_ms", "client_ms", "query_counts"):
            data.pop(key)
        data["queries"] = self.queries
        data["server_ms"] = describe(self.server_ms)
        data["client_ms"] = describe(self.client_ms)
        return data


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def describe(values: list[float]) -> dict:
    if not values:
        return {}
    return {
        "median": round(statistics.median(values), 2),
        "p95": round(percentile(values, 95), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
        "mean": round(statistics.fmean(values), 2),
    }


class Client:
    """One keep-alive connection; reconnects (once per request) if the server closed it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.connections = 0  # TCP connections opened: 1 when keep-alive holds

    def get(
        self, path: str, *, close: bool = False, headers: dict | None = None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        headers = {"Host": f"{self.host}:{self.port}", "Accept": "text/html", **(headers or {})}
        if close:
            headers["Connection"] = "close"
        for attempt in (1, 2):
            try:
                if self.conn.sock is None:
                    self.connections += 1
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                return response, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def warm_up(host: str, port: int, page: Page, times: int) -> None:
    """Fresh connections, so that each worker has served the page before it is timed."""
    for _ in range(times):
        client = Client(host, port)
        try:
            client.get(page.path, close=True)
        finally:
            client.close()


def run(host: str, port: int, page: Page, requests: int) -> Result:
    result = Result(page.scenario, page.name, page.path, status=200)
    client = Client(host, port)
    try:
        for _ in range(requests):
            start = time.perf_counter()
            response, body = client.get(page.path)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status != 200:
                result.status = response.status
                result.error = " ".join(body[:300].decode(errors="replace").split())
                break
            result.requests += 1
            result.client_ms.append(elapsed)
            result.server_ms.append(float(response.getheader("X-Server-Time-Ms", "nan")))
            result.query_counts.append(int(response.getheader("X-Query-Count", "-1")))
            result.response_bytes = len(body)
    except OSError as exc:
        result.error = f"{exc.__class__.__name__}: {exc}"
    finally:
        result.connections = client.connections
        client.close()
    return result
