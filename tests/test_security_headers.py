"""Security headers on every response (issue 17, point 1): a strict Content-Security-Policy
with a nonce, Permissions-Policy, Referrer-Policy and Cross-Origin-Opener-Policy, on pages,
API answers and the Swagger UI alike; templates with no inline code for the policy to block;
violation reports logged."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# E-mails are not web pages: mail clients need their inline styles, and no CSP applies (ours in
# emails/, allauth's in account/email/).
WEB_TEMPLATES = [
    p
    for p in TEMPLATES.rglob("*.html")
    if "emails" not in p.parts and p.parent.relative_to(TEMPLATES).parts != ("account", "email")
]


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def _assert_headers(response):
    directives = _directives(response)
    for name in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[name], name
        assert "'unsafe-eval'" not in directives[name], name
        assert "'self'" in directives[name]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["report-uri"] == ["/csp-report/"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path",
    ["/", "/accounts/login/", "/accounts/signup/", "/api/consultations/", "/api/schema/",
     "/api/nowhere/", "/no-such-page/", "/healthz"],
)  # fmt: skip
def test_every_response_carries_the_security_headers(client, db, path):
    _assert_headers(client.get(path))


def test_the_swagger_ui_runs_its_inline_script_and_style_under_the_response_nonce(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    _assert_headers(response)
    nonce = re.search(r"'nonce-([^']+)'", _directives(response)["script-src"][1]).group(1)
    assert f"'nonce-{nonce}'" in _directives(response)["style-src"]
    html = response.content.decode()
    inline = re.findall(r"<(script|style)( nonce=\"([^\"]*)\")?>", html)
    assert [tag for tag, _, _ in inline] == ["style", "script"]
    assert all(value == nonce for _, _, value in inline)
    # a second request gets a new nonce
    assert nonce not in client.get("/api/docs/")["Content-Security-Policy"]


def test_pages_without_inline_code_send_no_nonce(client, db):
    """A nonce that no element uses would only widen the policy."""
    assert "nonce-" not in client.get("/")["Content-Security-Policy"]


@pytest.mark.parametrize("template", WEB_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_web_templates_hold_no_inline_script_handler_or_style(template):
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)", text), "inline <script>"
    assert not re.search(r"<style(?![^>]*\bnonce=)", text), "inline <style>"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=", text), "style attribute"
    assert "hx-on" not in text, "hx-on evaluates inline script"
    assert "javascript:" not in text


def test_htmx_is_configured_for_the_policy(client, db):
    html = client.get("/").content.decode()
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html).group(1))
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False


def test_a_violation_report_is_logged(client, db, caplog):
    report = {"csp-report": {"document-uri": "http://x/", "violated-directive": "script-src"}}
    with caplog.at_level("WARNING", logger="csp.report"):
        response = client.post(
            "/csp-report/", json.dumps(report), content_type="application/csp-report"
        )
    assert response.status_code == 204
    assert "violated-directive" in caplog.text


def test_the_report_endpoint_refuses_what_is_not_a_report(client, db):
    assert client.get("/csp-report/").status_code == 405
    assert client.post("/csp-report/", "{", content_type="application/json").status_code == 400
    too_big = "x" * (20 * 1024)
    response = client.post("/csp-report/", too_big, content_type="application/json")
    assert response.status_code == 413
