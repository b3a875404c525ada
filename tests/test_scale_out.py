"""Web is stateless: two gunicorn instances on ports of their own, sharing PostgreSQL and a
Redis, serve one person correctly — the session signed in on one is used on the other, the
contribution rate limit counts across both, an Idempotency-Key's replay on the other gets the
first response, and a change made through one replaces the anonymous pages' version (ETag)
that the other serves.

PostgreSQL only: the embedded pass's test database is SQLite and its cache the test settings'
per-process memory, which two servers cannot share (the suite's PostgreSQL + Redis pass runs
it). The Redis is a private one (tests/redis_server.py), so the machine's is never touched."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse

from api.services import api_token_create
from tests.redis_server import RedisServer, free_port, needs_redis_server

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough password 42"
LIMIT = 4  # comments a minute, for the test

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two servers share sessions, limits and keys through PostgreSQL and Redis; the "
        "embedded pass runs SQLite with a per-process cache (the PostgreSQL pass runs this)",
    ),
    needs_redis_server,
]


class Web:
    """One gunicorn (one worker) serving the test database with the local settings."""

    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application",
             f"--bind=127.0.0.1:{self.port}", "--workers=1", "--log-level=warning",
             "--no-control-socket"],
            cwd=BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log.read_text()
            try:
                if requests.get(f"{self.url}/healthz", timeout=10).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start:\n{log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


@pytest.fixture
def two_webs(tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    database = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("PYTEST_XDIST_WORKER",)},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}",
        "CACHE_URL": redis.url(1),
        "VAR_DIR": str(tmp_path / "var"),  # the embedded broker's and the mail's folders
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "RATELIMIT_COMMENT": f"{LIMIT}/m",
    }
    env.pop("CELERY_BROKER_URL", None)
    webs = []
    try:
        for name in ("a", "b"):
            webs.append(Web(env, tmp_path / f"gunicorn-{name}.log"))
        yield webs
    finally:
        for web in webs:
            web.stop()
        redis.stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_servers_serve_one_person_correctly(two_webs, recommendation, make_person):
    a, b = two_webs
    person = make_person("two@example.org")
    # The servers' hasher (the test settings' fast one is not theirs).
    hasher = PBKDF2PasswordHasher()
    person.password = hasher.encode(PASSWORD, hasher.salt())
    person.save()
    slug, ref = recommendation.consultation.slug, recommendation.reference
    page = reverse("recommendations:detail", args=[slug, ref])
    api_comments = reverse("api:comment-list", args=[slug, ref])

    anonymous = requests.Session()
    etag = anonymous.get(a.url + page).headers["ETag"]
    assert anonymous.get(b.url + page, headers={"If-None-Match": etag}).status_code == 304

    # Signed in on A; the same session cookie is signed in on B.
    me = requests.Session()
    me.get(f"{a.url}/accounts/login/")
    form = {"login": person.email, "password": PASSWORD}
    form["csrfmiddlewaretoken"] = me.cookies["csrftoken"]
    signed_in = me.post(f"{a.url}/accounts/login/", data=form, allow_redirects=False)
    assert signed_in.status_code == 302, signed_in.text
    assert me.get(f"{b.url}/api/me/").json()["email"] == person.email

    assert me.get(f"{a.url}/api/me/").json()["email"] == person.email

    # The API's writes, with the person's token: an Idempotency-Key sent to A and replayed on
    # B gets the first response, and nothing is created twice.
    _token, key = api_token_create(user=person, name="scale-out")
    auth = {"Authorization": f"Bearer {key}"}
    headers = {**auth, "Idempotency-Key": "scale-out-1"}
    first = me.post(a.url + api_comments, json={"body": "Once."}, headers=headers)
    assert first.status_code == 201, first.text
    replay = me.post(b.url + api_comments, json={"body": "Once."}, headers=headers)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert recommendation.comments.filter(body="Once.").count() == 1

    # The comment made through A replaced the version: neither server answers 304 to the old
    # tag, and both give the same new one.
    for web in (b, a):
        response = anonymous.get(web.url + page, headers={"If-None-Match": etag})
        assert response.status_code == 200 and response.headers["ETag"] != etag
    tags = {anonymous.get(web.url + page).headers["ETag"] for web in (a, b)}
    assert len(tags) == 1

    # The rate limit counts across both: the first comment was one of LIMIT.
    statuses = []
    for n in range(LIMIT):
        web = (b, a)[n % 2]
        response = requests.post(web.url + api_comments, json={"body": f"C{n}."}, headers=auth)
        statuses.append(response.status_code)
    assert statuses == [201] * (LIMIT - 1) + [429], statuses
