"""The interface in English, Dutch, French and German.

The translation catalogues live in locale/<language>/LC_MESSAGES/django.po; `make test` and
`make run` compile them. The first test extracts every translatable string from the code and
the templates, as `makemessages` would for a translator, and fails on any string that has no
translation in one of the languages: a new {% translate %} without its Dutch, French and
German cannot land.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "locale", "tests", "bench", "*.egg-info", "__pycache__"
)


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def _translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return all(entry.msgstr_plural.values()) and bool(entry.msgstr_plural)
    return bool(entry.msgstr)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    """Every translatable string of the project, extracted from a copy of its sources."""
    copy = tmp_path_factory.mktemp("sources") / "project"
    shutil.copytree(ROOT, copy, ignore=NOT_SOURCE)
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "nl", "--no-wrap"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test"},
    )
    return polib.pofile(str(copy / "locale" / "nl" / "LC_MESSAGES" / "django.po"))


def test_strings_are_extracted_from_templates_and_code(extracted):
    places = {path.split("/")[0] for entry in extracted for path, _ in entry.occurrences}
    assert {"templates", "accounts", "consultation", "moderation", "digests"} <= places
    assert any(entry.msgid == "Sign in" for entry in extracted)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translatable_string_has_a_translation(extracted, language):
    catalogue = {_key(entry): entry for entry in _catalogue(language) if not entry.obsolete}
    missing = []
    for entry in extracted:
        found = catalogue.get(_key(entry))
        if found is None or not _translated(found) or found.fuzzy:
            where = entry.occurrences[0][0] if entry.occurrences else "?"
            missing.append(f"{where}: {entry.msgid!r}")
    assert not missing, f"{len(missing)} strings have no {language} translation:\n" + "\n".join(
        missing[:50]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    """msgfmt --check-format refuses a translation that drops or changes a %(name)s."""
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "--output-file=/dev/null", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_interface_speaks_each_language():
    for language in LANGUAGES:
        with translation.override(language):
            assert gettext("Sign in") != "Sign in", language
            assert gettext("Recommendations") != "Recommendations", language


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_switcher_sets_the_language_of_a_visitor(client, language):
    with translation.override(language):
        sign_in = gettext("Sign in")
    response = client.post(reverse("accounts:language"), {"language": language, "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
    page = client.get("/")
    assert page["Content-Language"] == language
    assert f'<html lang="{language}">' in page.content.decode()
    assert sign_in in page.content.decode()


@pytest.mark.django_db
def test_the_switcher_refuses_an_unknown_language_and_keeps_english(client):
    response = client.post(reverse("accounts:language"), {"language": "xx", "next": "/"})

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.get("/")["Content-Language"] == "en"


@pytest.mark.django_db
def test_a_signed_in_person_keeps_their_language_across_devices(client, stakeholder):
    client.force_login(stakeholder)
    client.post(reverse("accounts:language"), {"language": "fr", "next": "/"})
    stakeholder.refresh_from_db()
    assert stakeholder.language == "fr"

    # Another browser, asking for German: the person's preference wins.
    other = client.__class__()
    other.force_login(stakeholder)
    page = other.get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert page["Content-Language"] == "fr"


@pytest.mark.django_db
def test_a_visitor_gets_the_language_their_browser_asks_for(client):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9")["Content-Language"] == "nl"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ja")["Content-Language"] == "en"


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("en", "25 November 2026 · 25 Nov 2026, 14:05"),
        ("nl", "25 november 2026 · 25 Nov 2026, 14:05"),
        ("fr", "25 novembre 2026 · 25 Nov 2026, 14:05"),
        ("de", "25. November 2026 · 25. Nov 2026, 14:05"),
    ],
)
def test_dates_are_written_the_way_each_language_writes_them(language, written):
    from datetime import datetime

    from django.template import Context, Template

    template = Template('{{ d|date:"DATE_FORMAT" }} · {{ d|date:"SHORT_DATETIME_FORMAT" }}')
    with translation.override(language):
        assert template.render(Context({"d": datetime(2026, 11, 25, 14, 5)})) == written
