"""One helper neutralises formulas in every CSV the project writes (issue 17, point 6): the
web results export, the API's results.csv and the moderation log; column headers included."""

import csv
import io
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import StakeholderGroup
from consultation import services
from core.spreadsheets import safe_cell

DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(1+1)", "\t=1", "\r=1", "-cmd|' /C calc'!A0"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_cell_that_could_start_a_formula_is_quoted(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["", "plain", "1", "-0.250", "+3", 7, -2.5, None])
def test_text_and_numbers_stay_as_they_are(value):
    assert safe_cell(value) == value


def test_no_csv_is_written_without_the_helper():
    """grep: csv.writer appears only in core/spreadsheets.py."""
    found = subprocess.run(
        ["grep", "-rln", "--include=*.py", r"csv\.writer\|csv\.DictWriter", "."],
        cwd=Path(settings.BASE_DIR),
        capture_output=True,
        text=True,
    ).stdout.split()
    mine = [f for f in found if not f.startswith(("./.venv", "./tests", "./var"))]
    assert mine == ["./core/spreadsheets.py"]


@pytest.fixture
def evil_group(db):
    return StakeholderGroup.objects.create(slug="evil", name="@SUM(1+1)", position=99)


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.django_db
def test_results_exports_neutralise_titles_and_headers(
    client, evil_group, make_person, recommendation_factory, consultation_factory
):
    rec = recommendation_factory(
        pillar__consultation=consultation_factory(slug="demo"),
        reference="P1-R1",
        title='=HYPERLINK("http://evil")',
    )
    person = make_person("evil@example.org", stakeholder_group=evil_group)
    services.position_take(author=person, recommendation=rec, stance="endorse")

    web = client.get(reverse("results:report_csv", args=["demo"]))
    api = APIClient().get("/api/consultations/demo/results.csv")
    texts = {"web": web.getvalue().decode(), "api": api.content.decode()}  # the web's streamed
    for response, text in ((web, texts["web"]), (api, texts["api"])):
        assert response.status_code == 200
        cells = _cells(text)
        assert not [
            c
            for c in cells
            if c.startswith(("=", "+", "@")) or c[:1] == "-" and not c[1:2].isdigit()
        ], cells
        assert '\'=HYPERLINK("http://evil")' in cells
    web_header = next(csv.reader(io.StringIO(texts["web"])))
    assert "'@SUM(1+1): endorse" in web_header  # a column header
    assert "'@SUM(1+1)" in _cells(api.content.decode())  # a group cell
